namespace Realm.Engine.Model;

/// <summary>
/// The shape of a Llama-family decoder (Llama, Qwen2, Mistral without sliding windows), mirroring the
/// Hugging Face <c>config.json</c> so checkpoints move between ReaLM and transformers unchanged.
/// Build one in code with an object initializer and call <see cref="Validate"/>, or <see cref="Load"/> it.
/// </summary>
public sealed partial record LlamaConfig
{
    // Keys left unset take defaults that depend on other fields (and follow them through `with`).
    private int? _numKeyValueHeads;
    private int? _headDim;
    private bool? _attentionBias;

    /// <summary>Hugging Face <c>model_type</c>: llama, qwen2 or mistral.</summary>
    public string ModelType { get; init; } = "llama";
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int VocabSize { get; init; }

    /// <summary>Grouped-query attention; defaults to <see cref="NumAttentionHeads"/> (plain multi-head).</summary>
    public int NumKeyValueHeads { get => _numKeyValueHeads ?? NumAttentionHeads; init => _numKeyValueHeads = value; }

    /// <summary>Defaults to HiddenSize / NumAttentionHeads.</summary>
    public int HeadDim
    {
        get => _headDim ?? (NumAttentionHeads > 0 ? HiddenSize / NumAttentionHeads : 0);
        init => _headDim = value;
    }

    /// <summary>Bias on the q/k/v projections; defaults to true for qwen2, which always has it.</summary>
    public bool AttentionBias { get => _attentionBias ?? ModelType == "qwen2"; init => _attentionBias = value; }

    /// <summary>transformers' Llama puts attention_bias on o_proj too; Qwen2 biases only q/k/v.</summary>
    public bool OutputProjectionBias => AttentionBias && ModelType != "qwen2";

    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];

    public long ParameterCount
    {
        get
        {
            long hidden = HiddenSize;
            long queryWidth = (long)NumAttentionHeads * HeadDim;
            long keyValueWidth = (long)NumKeyValueHeads * HeadDim;
            long attention = hidden * queryWidth + 2 * hidden * keyValueWidth + queryWidth * hidden
                + (AttentionBias ? queryWidth + 2 * keyValueWidth : 0)
                + (OutputProjectionBias ? hidden : 0);
            long mlp = 3 * hidden * IntermediateSize;
            long layer = attention + mlp + 2 * hidden; // plus the two RMSNorm weights
            long embedding = (long)VocabSize * hidden;
            return embedding + NumHiddenLayers * layer + hidden + (TieWordEmbeddings ? 0 : embedding);
        }
    }

    /// <summary>
    /// Checks the sizes fit together. <paramref name="source"/> (a file path, or a description such as
    /// "built-in config") prefixes every message; fields are named by their config.json keys.
    /// </summary>
    public LlamaConfig Validate(string source)
    {
        if (Array.IndexOf(SupportedModelTypes, ModelType) < 0)
            throw new RealmException($"{source}: unsupported architecture '{ModelType}' (supported: {SupportedList})");
        RequirePositive(source, "hidden_size", HiddenSize);
        RequirePositive(source, "intermediate_size", IntermediateSize);
        RequirePositive(source, "num_hidden_layers", NumHiddenLayers);
        RequirePositive(source, "num_attention_heads", NumAttentionHeads);
        RequirePositive(source, "num_key_value_heads", NumKeyValueHeads);
        RequirePositive(source, "vocab_size", VocabSize);
        RequirePositive(source, "max_position_embeddings", MaxPositionEmbeddings);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new RealmException(
                $"{source}: num_attention_heads ({NumAttentionHeads}) must be divisible by num_key_value_heads ({NumKeyValueHeads})");
        if (_headDim == null && HiddenSize % NumAttentionHeads != 0)
            throw new RealmException(
                $"{source}: hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads}) unless head_dim is given");
        RequirePositive(source, "head_dim", HeadDim);
        if (!(RmsNormEps > 0)) throw new RealmException($"{source}: rms_norm_eps must be positive, got {RmsNormEps}");
        if (!(RopeTheta > 0)) throw new RealmException($"{source}: rope_theta must be positive, got {RopeTheta}");
        if (BosTokenId is int bos) RequireTokenId(source, "bos_token_id", bos);
        foreach (int eos in EosTokenIds) RequireTokenId(source, "eos_token_id", eos);
        return this;
    }

    private static void RequirePositive(string source, string key, int value)
    {
        if (value <= 0) throw new RealmException($"{source}: {key} must be positive, got {value}");
    }

    private void RequireTokenId(string source, string key, int id)
    {
        if (id < 0 || id >= VocabSize)
            throw new RealmException($"{source}: {key} {id} is outside the vocabulary (vocab_size {VocabSize})");
    }

    // Compares effective values, so a default and the same value spelled out are equal, and so are
    // equal eos lists (the generated equality would compare the array references).
    public bool Equals(LlamaConfig? other) =>
        other is not null
        && ModelType == other.ModelType
        && HiddenSize == other.HiddenSize
        && IntermediateSize == other.IntermediateSize
        && NumHiddenLayers == other.NumHiddenLayers
        && NumAttentionHeads == other.NumAttentionHeads
        && NumKeyValueHeads == other.NumKeyValueHeads
        && HeadDim == other.HeadDim
        && VocabSize == other.VocabSize
        && AttentionBias == other.AttentionBias
        && RmsNormEps.Equals(other.RmsNormEps)
        && RopeTheta.Equals(other.RopeTheta)
        && MaxPositionEmbeddings == other.MaxPositionEmbeddings
        && TieWordEmbeddings == other.TieWordEmbeddings
        && BosTokenId == other.BosTokenId
        && EosTokenIds.AsSpan().SequenceEqual(other.EosTokenIds);

    public override int GetHashCode() =>
        HashCode.Combine(ModelType, HiddenSize, IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, VocabSize);
}
