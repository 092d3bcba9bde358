using Realm.Engine.Kernels;

namespace Realm.Engine.Model;

/// <summary>One named tensor inside the flat parameter buffer.</summary>
public sealed record ParameterInfo(string Name, int[] Shape, long Offset, long Length)
{
    /// <summary>Matrices get weight decay; norm gains and biases do not.</summary>
    public bool Decays => Shape.Length == 2;
}

/// <summary>Where each layer's tensors sit in the flat buffer (offsets in floats).</summary>
/// A bias offset is −1 when the model has no such bias.
public readonly record struct LayerOffsets(long AttnNorm, long Qkv, long QkvBias, long O, long OBias, long MlpNorm, long GateUp, long Down);

/// <summary>
/// All parameters of a Llama-family model live in one flat float buffer (and the gradients in another
/// with the same layout), so the optimiser, gradient clipping and checkpointing are single loops. The
/// q, k and v projections are adjacent, as are gate and up, so each pair runs as one GEMM; the names are
/// Hugging Face's, so checkpoints load in transformers unchanged.
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<ParameterInfo> _parameters = new();

    public LlamaConfig Config { get; }
    public IReadOnlyList<ParameterInfo> Parameters => _parameters;
    public long Embed { get; }
    public long FinalNorm { get; }
    /// <summary>The output projection: the embedding itself when embeddings are tied.</summary>
    public long LmHead { get; }
    public LayerOffsets[] Layers { get; }
    public long Total { get; }
    public AttentionShape Attention { get; }
    public int QkvWidth => Attention.QueryWidth + 2 * Attention.KvWidth;

    public ParameterLayout(LlamaConfig config)
    {
        Config = config;
        int d = config.HiddenSize, f = config.IntermediateSize, v = config.VocabSize;
        Attention = new AttentionShape(config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim);
        int q = Attention.QueryWidth, kv = Attention.KvWidth;
        long at = 0;
        long Add(string name, params int[] shape)
        {
            long length = 1;
            foreach (int s in shape) length *= s;
            _parameters.Add(new ParameterInfo(name, shape, at, length));
            long offset = at;
            at += length;
            return offset;
        }

        Embed = Add("model.embed_tokens.weight", v, d);
        Layers = new LayerOffsets[config.NumHiddenLayers];
        for (int l = 0; l < Layers.Length; l++)
        {
            string p = $"model.layers.{l}.";
            long attnNorm = Add(p + "input_layernorm.weight", d);
            long qkv = Add(p + "self_attn.q_proj.weight", q, d);
            Add(p + "self_attn.k_proj.weight", kv, d);
            Add(p + "self_attn.v_proj.weight", kv, d);
            long qkvBias = -1;
            if (config.AttentionBias)
            {
                qkvBias = Add(p + "self_attn.q_proj.bias", q);
                Add(p + "self_attn.k_proj.bias", kv);
                Add(p + "self_attn.v_proj.bias", kv);
            }
            long o = Add(p + "self_attn.o_proj.weight", d, q);
            long oBias = config.OutputProjectionBias ? Add(p + "self_attn.o_proj.bias", d) : -1;
            long mlpNorm = Add(p + "post_attention_layernorm.weight", d);
            long gateUp = Add(p + "mlp.gate_proj.weight", f, d);
            Add(p + "mlp.up_proj.weight", f, d);
            long down = Add(p + "mlp.down_proj.weight", d, f);
            Layers[l] = new LayerOffsets(attnNorm, qkv, qkvBias, o, oBias, mlpNorm, gateUp, down);
        }
        FinalNorm = Add("model.norm.weight", d);
        LmHead = config.TieWordEmbeddings ? Embed : Add("lm_head.weight", v, d);
        Total = at;
    }

    public ParameterInfo? Find(string name) => _parameters.Find(p => p.Name == name);
}
