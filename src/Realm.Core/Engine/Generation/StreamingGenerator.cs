using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Engine.Generation;

/// <summary>
/// Generates one sequence at a time, handing out each token as it is sampled, and keeps its KV cache
/// between calls: a prompt that starts with tokens the cache already holds (in a chat, the previous turns
/// and the reply) computes only the rest. Sampling is the <see cref="Generator"/>'s: for the same prompt
/// and options it picks the same tokens as the first prompt of a batch.
/// </summary>
public sealed class StreamingGenerator : IDisposable
{
    // Prompt tokens computed per pass: bounds the activations' memory for long prompts.
    private const int PrefillChunk = 256;

    private readonly LlamaModel _model;
    private readonly KvCache _cache;
    private readonly PackedWeights _weights;
    private readonly List<int> _cached = [];
    private readonly Sampler _sampler = new();
    private Activations? _acts;

    /// <param name="maxLength">Longest prompt + completion, in tokens (capped by the model's max_position_embeddings).</param>
    public StreamingGenerator(LlamaModel model, int maxLength)
    {
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength));
        _model = model;
        MaxLength = Math.Min(maxLength, model.Config.MaxPositionEmbeddings);
        _cache = new KvCache(model.Config, slots: 1, MaxLength);
        _weights = model.InferenceWeights ?? new PackedWeights(model);
    }

    public int MaxLength { get; }

    /// <summary>How many tokens of the last prompt were taken from the cache instead of computed.</summary>
    public int ReusedTokens { get; private set; }

    /// <summary>
    /// Generates a completion of <paramref name="prompt"/>, calling <paramref name="onToken"/> with each
    /// token as soon as it is chosen (the stop token included).
    /// </summary>
    public Completion Generate(IReadOnlyList<int> prompt, SamplingOptions options, Action<int>? onToken = null)
    {
        options.Validate();
        if (prompt.Count == 0) throw new RealmException("the prompt is empty");
        if (prompt.Count + options.MaxNewTokens > MaxLength)
            throw new RealmException($"the prompt has {prompt.Count} tokens; with {options.MaxNewTokens} new tokens that exceeds the maximum length {MaxLength}");
        if (options.MaxNewTokens == 0) return new Completion([], [], FinishReason.Length);
        var logits = Prefill(prompt);

        var stops = new HashSet<int>(options.StopTokens);
        HashSet<int>? context = options.RepetitionPenalty != 1f ? [.. prompt] : null;
        var rng = Generator.SequenceRandom(options.Seed, 0);
        var tokens = new List<int>(options.MaxNewTokens);
        var logprobs = new List<float>(options.MaxNewTokens);
        while (true)
        {
            int token = _sampler.Sample(logits, options, ref rng, out float logprob, context);
            context?.Add(token);
            tokens.Add(token);
            logprobs.Add(logprob);
            onToken?.Invoke(token);
            if (stops.Contains(token)) return new Completion([.. tokens], [.. logprobs], FinishReason.Stop);
            if (tokens.Count >= options.MaxNewTokens) return new Completion([.. tokens], [.. logprobs], FinishReason.Length);
            Extend([token], logits);
        }
    }

    /// <summary>Forgets the cached tokens, as after a new conversation.</summary>
    public void Reset()
    {
        _cached.Clear();
        _cache.Reset();
    }

    // Keeps the longest cached prefix of the prompt (always leaving its last token to compute, whose
    // logits choose the first new token) and computes the rest.
    private float[] Prefill(IReadOnlyList<int> prompt)
    {
        int reuse = 0;
        int limit = Math.Min(_cached.Count, prompt.Count - 1);
        while (reuse < limit && _cached[reuse] == prompt[reuse]) reuse++;
        _cached.RemoveRange(reuse, _cached.Count - reuse);
        _cache.Lengths[0] = reuse;
        ReusedTokens = reuse;

        var logits = new float[_model.Config.VocabSize];
        var rest = prompt.Skip(reuse).ToArray();
        for (int start = 0; start < rest.Length; start += PrefillChunk)
            Extend(rest.AsSpan(start, Math.Min(PrefillChunk, rest.Length - start)), logits);
        return logits;
    }

    private void Extend(ReadOnlySpan<int> tokens, float[] logits)
    {
        if (_acts == null || _acts.Capacity < tokens.Length)
        {
            _acts?.Dispose();
            _acts = new Activations(_model.Layout, Math.Max(tokens.Length, Math.Min(PrefillChunk, MaxLength)), forTraining: false, logitBudget: 0);
        }
        _model.Extend(_cache, _weights, _acts, tokens, [0], [tokens.Length], logits);
        foreach (int token in tokens) _cached.Add(token);
    }

    public void Dispose()
    {
        _cache.Dispose();
        if (_weights != _model.InferenceWeights) _weights.Dispose();
        _acts?.Dispose();
    }
}
