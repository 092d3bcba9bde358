// The model shape of the real-size benchmarks (realm bench inference, lora, rl); its flags are in ../QwenShapeOptions.cs.
using Realm.Engine.Model;

namespace Realm.Cli.Bench;

/// <summary>A random Qwen2-style model's shape for the real-size benchmarks (q/k/v biases, tied embeddings).</summary>
internal sealed record QwenShape(int Dim, int Layers, int Heads, int KvHeads, int Ffn, int Vocab)
{
    public LlamaConfig Config(int maxPositions) => new LlamaConfig
    {
        ModelType = "qwen2", HiddenSize = Dim, IntermediateSize = Ffn, NumHiddenLayers = Layers, NumAttentionHeads = Heads,
        NumKeyValueHeads = KvHeads, VocabSize = Vocab, TieWordEmbeddings = true, MaxPositionEmbeddings = maxPositions,
    }.Validate("bench shape");
}
