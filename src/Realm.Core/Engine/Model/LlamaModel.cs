using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Engine.Model;

/// <summary>
/// A Llama-family decoder (Llama, Qwen2, Mistral without sliding window): weights in one flat buffer laid
/// out by <see cref="ParameterLayout"/>, explicit forward and backward passes
/// (<c>LlamaModel.Training.cs</c>) and KV-cache inference (<c>LlamaModel.Inference.cs</c>).
/// </summary>
public sealed unsafe partial class LlamaModel : IDisposable
{
    public LlamaConfig Config { get; }
    public ParameterLayout Layout { get; }
    public Cpu Cpu { get; }
    public NativeBuffer Weights { get; }
    internal RopeTable Rotary { get; }

    public LlamaModel(LlamaConfig config, Cpu cpu)
    {
        Config = config.Validate("model config");
        Layout = new ParameterLayout(config);
        Cpu = cpu;
        Weights = new NativeBuffer(Layout.Total);
        Rotary = new RopeTable(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta);
    }

    public long ParameterCount => Layout.Total;

    internal float* W(long offset) => Weights.Ptr + offset;

    /// <summary>
    /// Fresh weights as Hugging Face initialises Llama: matrices and embeddings ~ N(0, std²), norm gains 1,
    /// biases 0. Deterministic for a seed.
    /// </summary>
    public void InitializeRandom(ulong seed, float std = 0.02f)
    {
        var rng = new SplitMix64(seed);
        foreach (var p in Layout.Parameters)
        {
            var span = Weights.Slice(p.Offset, checked((int)p.Length));
            if (p.Name.EndsWith("norm.weight", StringComparison.Ordinal)) span.Fill(1f);
            else if (p.Name.EndsWith(".bias", StringComparison.Ordinal)) span.Clear();
            else for (int i = 0; i < span.Length; i++) span[i] = (float)(rng.NextNormal() * std);
        }
    }

    public void Dispose()
    {
        Weights.Dispose();
        Rotary.Dispose();
    }
}
