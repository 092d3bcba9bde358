using Realm.Engine.Compute;

namespace Realm.Engine.Generation;

/// <summary>Picks one token from a row of logits: greedy, or temperature / top-k / top-p sampling.</summary>
internal sealed class Sampler
{
    private float[] _probs = [];
    private int[] _order = [];

    /// <summary>Returns the chosen token and its log-probability under softmax(logits) at temperature 1.</summary>
    public int Sample(ReadOnlySpan<float> logits, SamplingOptions options, ref SplitMix64 rng, out float logprob)
    {
        int v = logits.Length;
        float max = float.NegativeInfinity;
        int argmax = 0;
        for (int i = 0; i < v; i++)
            if (logits[i] > max) { max = logits[i]; argmax = i; }
        double sum = 0;
        for (int i = 0; i < v; i++) sum += Math.Exp(logits[i] - max);
        float lse = max + (float)Math.Log(sum);

        int token = options.Greedy ? argmax : Draw(logits, max, options, ref rng);
        logprob = logits[token] - lse;
        return token;
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
