// Small numeric helpers shared by the harness: medians and the greedy choice over a logits row.
namespace Realm.PeerBench;

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        if (s.Length == 0) return double.NaN;
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    /// <summary>Arg-max (lowest id on ties), its log-softmax, and the gap to the runner-up logit.</summary>
    public static (int Id, double Logprob, double Gap) Top1(float[] logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        double second = double.NegativeInfinity, sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (i != best && logits[i] > second) second = logits[i];
            sum += Math.Exp(logits[i] - logits[best]);
        }
        return (best, -Math.Log(sum), logits[best] - second);
    }
}
