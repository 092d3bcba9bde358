using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Engine.Generation;

/// <summary>
/// Batched sampling with a KV cache: one prefill pass over all prompts, then one token per step for every
/// unfinished sequence. Each sequence stops at its own stop token or length. Holds the cache and a packed
/// copy of the weights (a BF16 model's own, which never change): call <see cref="RefreshWeights"/> after
/// the model is trained further.
/// </summary>
public sealed class Generator : IDisposable
{
    private readonly LlamaModel _model;
    private readonly int _maxBatch;
    private readonly KvCache _cache;
    private PackedWeights _weights;
    private Activations? _acts;

    /// <param name="maxBatch">Sequences decoded together; more prompts are processed in rounds.</param>
    /// <param name="maxLength">Longest prompt + completion, in tokens.</param>
    public Generator(LlamaModel model, int maxBatch, int maxLength)
    {
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch));
        _model = model;
        _maxBatch = maxBatch;
        _cache = new KvCache(model.Config, maxBatch, Math.Min(maxLength, model.Config.MaxPositionEmbeddings));
        _weights = model.InferenceWeights ?? new PackedWeights(model);
    }

    public int MaxLength => Math.Min(_cache.Capacity, _model.Config.MaxPositionEmbeddings);

    public void RefreshWeights()
    {
        if (_model.InferenceWeights != null) return;
        _weights.Dispose();
        _weights = new PackedWeights(_model);
    }

    /// <summary>Generates a completion for every prompt. <paramref name="onStep"/> (optional) is told each decode step.</summary>
    public IReadOnlyList<Completion> Generate(IReadOnlyList<int[]> prompts, SamplingOptions options, Action<int>? onStep = null)
    {
        options.Validate();
        var stops = new HashSet<int>(options.StopTokens);
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) throw new RealmException($"prompt {i} is empty");
            if (prompts[i].Length + options.MaxNewTokens > MaxLength)
                throw new RealmException($"prompt {i} has {prompts[i].Length} tokens; with {options.MaxNewTokens} new tokens that exceeds the maximum length {MaxLength}");
        }
        var results = new Completion[prompts.Count];
        for (int first = 0; first < prompts.Count; first += _maxBatch)
            GenerateRound(prompts, first, Math.Min(_maxBatch, prompts.Count - first), options, stops, results, onStep);
        return results;
    }

    private void GenerateRound(IReadOnlyList<int[]> prompts, int first, int count, SamplingOptions options,
        HashSet<int> stops, Completion[] results, Action<int>? onStep)
    {
        int vocab = _model.Config.VocabSize;
        int promptTokens = 0;
        for (int i = 0; i < count; i++) promptTokens += prompts[first + i].Length;
        if (_acts == null || _acts.Capacity < promptTokens)
        {
            _acts?.Dispose();
            _acts = new Activations(_model.Layout, Math.Max(promptTokens, _maxBatch), forTraining: false, logitBudget: 0);
        }
        _cache.Reset();

        var tokens = new List<int>[count];
        var logprobs = new List<float>[count];
        var rngs = new SplitMix64[count];
        var contexts = new HashSet<int>?[count];
        var sampler = new Sampler();
        for (int i = 0; i < count; i++)
        {
            tokens[i] = new List<int>(options.MaxNewTokens);
            logprobs[i] = new List<float>(options.MaxNewTokens);
            rngs[i] = SequenceRandom(options.Seed, first + i);
            if (options.RepetitionPenalty != 1f) contexts[i] = [.. prompts[first + i]];
        }

        var active = Enumerable.Range(0, count).ToList();
        var finish = new FinishReason[count];
        if (options.MaxNewTokens == 0)
        {
            for (int i = 0; i < count; i++) results[first + i] = new Completion([], [], FinishReason.Length);
            return;
        }

        // Prefill: every prompt in one pass; the logits after each prompt give its first new token.
        var input = new int[promptTokens];
        int at = 0;
        for (int i = 0; i < count; i++) { prompts[first + i].CopyTo(input, at); at += prompts[first + i].Length; }
        var slots = Enumerable.Range(0, count).ToArray();
        var counts = slots.Select(i => prompts[first + i].Length).ToArray();
        var logits = new float[count * vocab];
        _model.Extend(_cache, _weights, _acts, input, slots, counts, logits);

        for (int step = 0; active.Count > 0; step++)
        {
            var stillActive = new List<int>(active.Count);
            for (int a = 0; a < active.Count; a++)
            {
                int i = active[a];
                int t;
                float lp;
                using (Profiler.Measure("sampling")) t = sampler.Sample(logits.AsSpan(a * vocab, vocab), options, ref rngs[i], out lp, contexts[i]);
                contexts[i]?.Add(t);
                tokens[i].Add(t);
                logprobs[i].Add(lp);
                if (stops.Contains(t)) finish[i] = FinishReason.Stop;
                else if (tokens[i].Count >= options.MaxNewTokens) finish[i] = FinishReason.Length;
                else stillActive.Add(i);
            }
            onStep?.Invoke(step);
            active = stillActive;
            if (active.Count == 0) break;
            var next = active.Select(i => tokens[i][^1]).ToArray();
            var activeSlots = active.ToArray();
            var ones = new int[active.Count];
            Array.Fill(ones, 1);
            _model.Extend(_cache, _weights, _acts, next, activeSlots, ones, logits.AsSpan(0, active.Count * vocab));
        }
        for (int i = 0; i < count; i++)
            results[first + i] = new Completion(tokens[i].ToArray(), logprobs[i].ToArray(), finish[i]);
    }

    /// <summary>The random stream of prompt <paramref name="index"/>: its own, so results do not depend on batching.</summary>
    internal static SplitMix64 SequenceRandom(ulong seed, int index) => new(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1)));

    public void Dispose()
    {
        _cache.Dispose();
        if (_weights != _model.InferenceWeights) _weights.Dispose();
        _acts?.Dispose();
    }
}
