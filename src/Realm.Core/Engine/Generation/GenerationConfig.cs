using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Generation;

/// <summary>
/// A model's Hugging Face generation_config.json: the ids that end generation and how transformers'
/// <c>generate()</c> decodes by default. Every field is optional; null (or an empty list) means the file
/// does not set it. <see cref="SamplingDefaults"/> turns it into <see cref="SamplingOptions"/>.
/// </summary>
public sealed record GenerationConfig
{
    public const string FileName = "generation_config.json";

    public int? BosTokenId { get; init; }
    /// <summary>eos_token_id, written as one id or a list (Qwen2.5-Instruct: &lt;|im_end|&gt; and &lt;|endoftext|&gt;).</summary>
    public int[] EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    /// <summary>do_sample; transformers decodes greedily when it is absent.</summary>
    public bool? DoSample { get; init; }
    public float? Temperature { get; init; }
    public int? TopK { get; init; }
    public float? TopP { get; init; }
    public int? MaxNewTokens { get; init; }
    /// <summary>max_length: prompt plus completion, used when max_new_tokens is absent.</summary>
    public int? MaxLength { get; init; }
    public float? RepetitionPenalty { get; init; }

    /// <summary>The directory's generation_config.json, or null if it has none.</summary>
    public static GenerationConfig? LoadIfPresent(string modelDirectory)
    {
        string file = Path.Combine(modelDirectory, FileName);
        return File.Exists(file) ? Load(file) : null;
    }

    public static GenerationConfig Load(string path)
    {
        using JsonDocument document = JsonFile.ParseObject(path);
        var json = new JsonKeyReader(path, document.RootElement);
        var config = new GenerationConfig
        {
            BosTokenId = json.OptionalInt("bos_token_id"),
            EosTokenIds = json.IntOrIntList("eos_token_id"),
            PadTokenId = json.OptionalInt("pad_token_id"),
            DoSample = json.OptionalBool("do_sample"),
            Temperature = (float?)json.OptionalDouble("temperature"),
            TopK = json.OptionalInt("top_k"),
            TopP = (float?)json.OptionalDouble("top_p"),
            MaxNewTokens = json.OptionalInt("max_new_tokens"),
            MaxLength = json.OptionalInt("max_length"),
            RepetitionPenalty = (float?)json.OptionalDouble("repetition_penalty"),
        };
        config.Validate(path);
        return config;
    }

    private void Validate(string path)
    {
        foreach (int id in EosTokenIds) RequireNonNegative(path, "eos_token_id", id);
        if (BosTokenId is int bos) RequireNonNegative(path, "bos_token_id", bos);
        if (PadTokenId is int pad) RequireNonNegative(path, "pad_token_id", pad);
        if (Temperature is float t && !(t >= 0)) throw OutOfRange(path, "temperature", t, "must be ≥ 0");
        if (DoSample == true && Temperature == 0) throw OutOfRange(path, "temperature", 0, "must be > 0 when do_sample is true");
        if (TopK is int k && k < 0) throw OutOfRange(path, "top_k", k, "must be ≥ 0");
        if (TopP is float p && !(p > 0 && p <= 1)) throw OutOfRange(path, "top_p", p, "must be in (0, 1]");
        if (MaxNewTokens is int n && n < 0) throw OutOfRange(path, "max_new_tokens", n, "must be ≥ 0");
        if (MaxLength is int l && l < 1) throw OutOfRange(path, "max_length", l, "must be ≥ 1");
        if (RepetitionPenalty is float r && !(r > 0)) throw OutOfRange(path, "repetition_penalty", r, "must be > 0");
    }

    private static void RequireNonNegative(string path, string key, int id)
    {
        if (id < 0) throw OutOfRange(path, key, id, "must be ≥ 0");
    }

    private static RealmException OutOfRange(string path, string key, object value, string rule) =>
        new($"{path}: key '{key}' {rule}, got {value}");
}
