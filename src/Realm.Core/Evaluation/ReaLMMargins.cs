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

/// <summary>
/// Our counterpart of the paper's headline numbers: each ReaLM pipeline against the best baseline. Who is
/// which comes from the methods' roles (<see cref="MethodRole"/>), never from their names: the base model
/// is a reference and the ablations are variants of ReaLM, so neither counts as a baseline.
/// </summary>
public static class ReaLMMargins
{
    /// <summary>
    /// One margin per pipeline (role <see cref="MethodRole.Realm"/>, in the order of
    /// <paramref name="methods"/>) present, test split (in table order; dev is for tuning, not for claims) and setting (with routes, then without),
    /// against the baseline with the highest accuracy in that same split and setting (the first listed on a
    /// tie). Splits without a baseline row are skipped; rows of methods not in the list are ignored.
    /// </summary>
    public static IReadOnlyList<Margin> Compute(IReadOnlyList<MethodResult> rows, IReadOnlyList<MethodSummary> methods)
    {
        var baselines = methods.Where(m => m.Role == MethodRole.Baseline).Select(m => m.Name).ToHashSet();
        var pipelines = methods.Where(m => m.Role == MethodRole.Realm).Select(m => m.Name).ToList();
        var margins = new List<Margin>();
        foreach (string split in EvalSplit.All.Where(s => s != EvalSplit.Dev))
            foreach (bool withRoutes in new[] { true, false })
            {
                var baseline = BestBaseline(rows.Where(r => r.Split == split && baselines.Contains(r.Method)), withRoutes);
                if (baseline == null) continue;
                foreach (string pipeline in pipelines)
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

    private static MethodResult? BestBaseline(IEnumerable<MethodResult> candidates, bool withRoutes)
    {
        MethodResult? best = null;
        foreach (var row in candidates)
            if (best == null || Accuracy(row, withRoutes) > Accuracy(best, withRoutes))
                best = row;
        return best;
    }

    private static double Accuracy(MethodResult row, bool withRoutes) => withRoutes ? row.AccRoutes : row.AccNoRoutes;

    private static ConfidenceInterval Interval(MethodResult row, bool withRoutes) => withRoutes ? row.AccRoutesCi : row.AccNoRoutesCi;
}
