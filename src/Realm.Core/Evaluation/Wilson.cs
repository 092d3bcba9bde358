namespace Realm.Evaluation;

/// <summary>
/// The Wilson score interval for a binomial proportion. Unlike the normal approximation p ± z·se it
/// stays inside [0, 1] and does not collapse to a point at 0% or 100%, which matters for the small
/// evaluation sets a laptop run uses.
/// </summary>
public static class Wilson
{
    /// <summary>The normal quantile for a two-sided 95% interval.</summary>
    public const double Z95 = 1.96;

    /// <summary>
    /// The interval for <paramref name="successes"/> out of <paramref name="n"/> trials. With no trials
    /// nothing is known, so the interval is the whole of [0, 1].
    /// </summary>
    public static ConfidenceInterval Interval(int successes, int n, double z = Z95)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be >= 0");
        if (successes < 0 || successes > n)
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"must be in 0..{n}");
        if (!(z > 0)) throw new ArgumentOutOfRangeException(nameof(z), z, "must be > 0");
        if (n == 0) return new ConfidenceInterval(0, 1);

        double p = (double)successes / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double halfWidth = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // Rounding can push the ends a hair outside [0, 1] at p = 0 or 1.
        return new ConfidenceInterval(Math.Max(0, centre - halfWidth), Math.Min(1, centre + halfWidth));
    }
}
