namespace Realm.Training;

/// <summary>The arithmetic of GRPO, kept apart from the loop so it can be checked by hand.</summary>
public static class GrpoMath
{
    public const double StdEpsilon = 1e-4;

    /// <summary>
    /// Rewards of a group closer than this (relative to their size, at least 1) are equal: the mean of equal
    /// non-0/1 rewards (1.1, 0.6, ...) can differ from them in the last bit, which exact equality would turn
    /// into advantages of ~1e-13 that AdamW's normalisation makes into full-size updates.
    /// </summary>
    public const double EqualRewardTolerance = 1e-9;

    /// <summary>Whether a group's rewards are all equal within <see cref="EqualRewardTolerance"/> (so it carries no signal).</summary>
    public static bool IsFlat(IReadOnlyList<double> rewards, int start, int count)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = start; i < start + count; i++) { min = Math.Min(min, rewards[i]); max = Math.Max(max, rewards[i]); }
        return max - min <= EqualRewardTolerance * Math.Max(1, Math.Max(Math.Abs(min), Math.Abs(max)));
    }

    /// <summary>
    /// Group-relative advantages (docs/method.md, "The GRPO core"): rewards come in consecutive groups of
    /// <paramref name="groupSize"/>; A = (r − mean) / (std + 1e-4) with the sample standard deviation, or
    /// r − mean without scaling. A group whose rewards are all equal (<see cref="IsFlat"/>) gets advantages
    /// of exactly 0 and is counted: it carries no signal.
    /// </summary>
    public static (double[] Advantages, int ZeroStdGroups) Advantages(IReadOnlyList<double> rewards, int groupSize, bool scale)
    {
        if (rewards.Count % groupSize != 0) throw new ArgumentException("rewards do not fill whole groups");
        var advantages = new double[rewards.Count];
        int zero = 0;
        for (int g0 = 0; g0 < rewards.Count; g0 += groupSize)
        {
            double mean = 0;
            for (int i = 0; i < groupSize; i++) mean += rewards[g0 + i];
            mean /= groupSize;
            double ss = 0;
            for (int i = 0; i < groupSize; i++) ss += (rewards[g0 + i] - mean) * (rewards[g0 + i] - mean);
            double std = groupSize > 1 ? Math.Sqrt(ss / (groupSize - 1)) : 0;
            if (IsFlat(rewards, g0, groupSize))
            {
                zero++;
                continue; // advantages stay 0
            }
            for (int i = 0; i < groupSize; i++)
                advantages[g0 + i] = scale ? (rewards[g0 + i] - mean) / (std + StdEpsilon) : rewards[g0 + i] - mean;
        }
        return (advantages, zero);
    }

    /// <summary>
    /// The coefficient on a completion token's log-probability in the loss (what
    /// <c>LlamaModel.Backward</c> takes), for the per-token loss
    /// −min(r·A, clip(r, 1−ε, 1+ε_high)·A) + β·k3, averaged over <paramref name="tokens"/> tokens, where
    /// r = exp(logp − oldLogp) and k3 = exp(ref − logp) − (ref − logp) − 1. A clipped token has no
    /// policy gradient. Also returns whether it was clipped and its k3 value (0 without a reference).
    /// </summary>
    public static (float Coefficient, bool Clipped, double Kl) TokenCoefficient(double advantage, float logp, float oldLogp,
        float? refLogp, double epsilon, double epsilonHigh, double beta, long tokens)
    {
        double ratio = Math.Exp(logp - oldLogp);
        bool clipped = advantage >= 0 ? ratio > 1 + epsilonHigh : ratio < 1 - epsilon;
        double dLoss = clipped ? 0 : -ratio * advantage;
        double kl = 0;
        if (refLogp is float r)
        {
            double delta = r - logp;
            kl = Math.Exp(delta) - delta - 1;
            dLoss += beta * (1 - Math.Exp(delta));
        }
        return ((float)(dLoss / tokens), clipped, kl);
    }
}
