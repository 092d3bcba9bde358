namespace Realm.Evaluation;

/// <summary>The paper's reported lead of ReaLM over the best baseline, in accuracy points.</summary>
public sealed record PaperMargins(double WithRoutesPoints, double WithoutRoutesPoints)
{
    /// <summary>arXiv 2508.12387: +4.2 points with external CoTs, +2.6 without.</summary>
    public static PaperMargins ReaLMPaper { get; } = new(4.2, 2.6);
}

/// <summary>
/// How far a ReaLM pipeline is ahead of the best baseline on one split and setting (with or without
/// routes), in accuracy points, and whether the two 95% intervals overlap (if they do, this evaluation
/// cannot tell the two methods apart).
/// </summary>
public sealed record Margin(string Method, string Split, bool WithRoutes, string BestBaseline,
    double MethodAccuracy, double BaselineAccuracy, bool IntervalsOverlap)
{
    public double Points => 100 * (MethodAccuracy - BaselineAccuracy);
}

/// <summary>Our counterpart of the paper's headline numbers: ReaLM pipelines against the best baseline.</summary>
public static class ReaLMMargins
{
    public const string R1 = "ReaLM-R1";
    public const string Zero = "ReaLM-Zero";

    /// <summary>The pipelines whose margins are reported, in report order.</summary>
    public static IReadOnlyList<string> Pipelines { get; } = [R1, Zero];

    /// <summary>
    /// Baselines are the methods not named "ReaLM…": ablations such as "ReaLM-R1 (no verify reward)"
    /// are variants of the method, not competitors, so they never count as the best baseline.
    /// </summary>
    public static bool IsBaseline(string method) => !method.StartsWith("ReaLM", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One margin per pipeline present, split (id, then ood) and setting (with routes, then without),
    /// against the baseline with the highest accuracy in that same split and setting (the first listed
    /// on a tie). Splits without a baseline row are skipped.
    /// </summary>
    public static IReadOnlyList<Margin> Compute(IReadOnlyList<MethodResult> rows)
    {
        var margins = new List<Margin>();
        foreach (string split in EvalSplit.All)
            foreach (bool withRoutes in new[] { true, false })
            {
                var baseline = BestBaseline(rows, split, withRoutes);
                if (baseline == null) continue;
                foreach (string pipeline in Pipelines)
                {
                    var row = rows.FirstOrDefault(r => r.Method == pipeline && r.Split == split);
                    if (row == null) continue;
                    margins.Add(new Margin(pipeline, split, withRoutes, baseline.Method,
                        Accuracy(row, withRoutes), Accuracy(baseline, withRoutes),
                        Interval(row, withRoutes).Overlaps(Interval(baseline, withRoutes))));
                }
            }
        return margins;
    }

    private static MethodResult? BestBaseline(IReadOnlyList<MethodResult> rows, string split, bool withRoutes)
    {
        MethodResult? best = null;
        foreach (var row in rows)
            if (row.Split == split && IsBaseline(row.Method) && (best == null || Accuracy(row, withRoutes) > Accuracy(best, withRoutes)))
                best = row;
        return best;
    }

    private static double Accuracy(MethodResult row, bool withRoutes) => withRoutes ? row.AccRoutes : row.AccNoRoutes;

    private static ConfidenceInterval Interval(MethodResult row, bool withRoutes) => withRoutes ? row.AccRoutesCi : row.AccNoRoutesCi;
}
