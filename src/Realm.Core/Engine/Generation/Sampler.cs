using Realm.Engine.Compute;

namespace Realm.Engine.Generation;

/// <summary>
/// Picks one token from a row of logits: greedy, or temperature / top-k / top-p sampling, after the
/// repetition penalty if one is set.
/// </summary>
internal sealed class Sampler
{
    private float[] _probs = [];
    private int[] _order = [];
    private float[] _penalized = [];

    /// <summary>
    /// Returns the chosen token and its log-probability under softmax(logits) at temperature 1.
    /// <paramref name="context"/> holds the tokens of the sequence so far, which the repetition penalty
    /// discourages; it may be null when the penalty is off.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, SamplingOptions options, ref SplitMix64 rng, out float logprob,
        IReadOnlySet<int>? context = null)
    {
        int argmax = ArgMax(logits, out float max);
        float lse = LogSumExp(logits, max);
        ReadOnlySpan<float> scores = logits;
        if (options.RepetitionPenalty != 1f && context != null)
        {
            scores = Penalize(logits, context, options.RepetitionPenalty);
            argmax = ArgMax(scores, out max);
        }
        int token = options.Greedy ? argmax : Draw(scores, max, options, ref rng);
        logprob = logits[token] - lse;
        return token;
    }

    private static float LogSumExp(ReadOnlySpan<float> logits, float max)
    {
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        return max + (float)Math.Log(sum);
    }

    // The lowest id among equal maxima, so greedy decoding is deterministic.
    private static int ArgMax(ReadOnlySpan<float> scores, out float max)
    {
        max = float.NegativeInfinity;
        int argmax = 0;
        for (int i = 0; i < scores.Length; i++)
            if (scores[i] > max) { max = scores[i]; argmax = i; }
        return argmax;
    }

    // As transformers' RepetitionPenaltyLogitsProcessor: a seen token's score shrinks towards (or below) zero.
    private ReadOnlySpan<float> Penalize(ReadOnlySpan<float> logits, IReadOnlySet<int> context, float penalty)
    {
        if (_penalized.Length < logits.Length) _penalized = new float[logits.Length];
        var scores = _penalized.AsSpan(0, logits.Length);
        logits.CopyTo(scores);
        foreach (int id in context)
            if ((uint)id < (uint)scores.Length) scores[id] = scores[id] < 0 ? scores[id] * penalty : scores[id] / penalty;
        return scores;
    }

    private int Draw(ReadOnlySpan<float> logits, float max, SamplingOptions o, ref SplitMix64 rng)
    {
        int v = logits.Length;
        if (_probs.Length < v) { _probs = new float[v]; _order = new int[v]; }
        var p = _probs.AsSpan(0, v);
        float invT = 1f / o.Temperature;
        for (int i = 0; i < v; i++) p[i] = MathF.Exp((logits[i] - max) * invT);

        int kept = v;
        var order = _order.AsSpan(0, v);
        bool truncate = (o.TopK > 0 && o.TopK < v) || o.TopP < 1f;
        if (truncate)
        {
            // Most likely first; ties keep the lower id first so the result is deterministic.
            for (int i = 0; i < v; i++) order[i] = i;
            var probs = _probs;
            order.Sort((a, b) => probs[b].CompareTo(probs[a]) is var c && c != 0 ? c : a.CompareTo(b));
            if (o.TopK > 0) kept = Math.Min(kept, o.TopK);
            if (o.TopP < 1f)
            {
                double total = 0;
                for (int i = 0; i < kept; i++) total += p[order[i]];
                double cumulative = 0;
                for (int i = 0; i < kept; i++)
                {
                    cumulative += p[order[i]];
                    if (cumulative >= o.TopP * total) { kept = i + 1; break; }
                }
            }
        }

        double mass = 0;
        for (int i = 0; i < kept; i++) mass += p[truncate ? order[i] : i];
        double r = rng.NextDouble() * mass;
        for (int i = 0; i < kept; i++)
        {
            int t = truncate ? order[i] : i;
            r -= p[t];
            if (r < 0) return t;
        }
        return truncate ? order[kept - 1] : LastNonZero(p);
    }

    private static int LastNonZero(ReadOnlySpan<float> p)
    {
        for (int i = p.Length - 1; i > 0; i--) if (p[i] > 0) return i;
        return 0;
    }
}
