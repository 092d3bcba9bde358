using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Engine.Generation;

/// <summary>
/// Decides how to decode: what the user asked for wins, then the model's generation_config.json (read
/// as transformers reads it), then realm's own defaults (sampling at temperature 1, nothing truncated).
/// </summary>
public static class SamplingDefaults
{
    /// <summary>transformers' GenerationConfig default for top_k, in force whenever a model has a generation config.</summary>
    public const int TransformersTopK = 50;

    /// <summary>
    /// The options for one generation from a prompt of <paramref name="promptLength"/> tokens (which
    /// generation_config's max_length counts). Stop tokens are left empty: see <see cref="StopTokens"/>.
    /// </summary>
    public static SamplingOptions Resolve(SamplingRequest request, GenerationConfig? config, int promptLength, int defaultMaxNewTokens)
    {
        bool greedy = request.Greedy || (!request.AsksForSampling && config != null && config.DoSample != true);
        return new SamplingOptions
        {
            Greedy = greedy,
            Temperature = request.Temperature ?? config?.Temperature ?? 1f,
            TopK = request.TopK ?? config?.TopK ?? (config != null ? TransformersTopK : 0),
            TopP = request.TopP ?? config?.TopP ?? 1f,
            RepetitionPenalty = request.RepetitionPenalty ?? config?.RepetitionPenalty ?? 1f,
            MaxNewTokens = request.MaxNewTokens ?? config?.MaxNewTokens
                ?? (config?.MaxLength is int maxLength ? Math.Max(0, maxLength - promptLength) : defaultMaxNewTokens),
            Seed = request.Seed,
        };
    }

    /// <summary>
    /// The ids that end generation: generation_config's eos_token_id list together with the tokenizer's
    /// EOS, or config.json's eos_token_id when the tokenizer names none.
    /// </summary>
    public static int[] StopTokens(GenerationConfig? generation, ITokenizer? tokenizer, LlamaConfig model)
    {
        int[] own = tokenizer?.EosId is int eos ? [eos] : model.EosTokenIds;
        return [.. (generation?.EosTokenIds ?? []).Concat(own).Distinct()];
    }
}
