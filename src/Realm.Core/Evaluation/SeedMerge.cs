namespace Realm.Evaluation;

/// <summary>
/// Merges single-seed rows of the same method and split into one row for the multi-seed table. The
/// row's accuracies are the means over seeds, each seed's values are kept in
/// <see cref="MethodResult.PerSeed"/>, <see cref="MethodResult.Std"/> holds the sample standard
/// deviations, and the intervals are Wilson intervals over all problems of all seeds pooled (so n
/// becomes the total). Pooling treats every (seed, problem) pair as one trial: it measures how sure
/// we are of the mean, while the standard deviation shows how much a single run varies.
/// </summary>
public static class SeedMerge
{
    /// <summary>Merges the results files of one experiment run with different seeds.</summary>
    public static ResultsFile Merge(IReadOnlyList<ResultsFile> perSeed)
    {
        if (perSeed.Count == 0) throw new ArgumentException("no results to merge", nameof(perSeed));
        string domain = perSeed[0].Domain;
        var other = perSeed.FirstOrDefault(r => r.Domain != domain);
        if (other != null) throw new RealmException($"cannot merge results of domain \"{domain}\" with \"{other.Domain}\"");
        return new ResultsFile
        {
            Domain = domain,
            WallSeconds = perSeed.Sum(r => r.WallSeconds),
            Rows = Merge(perSeed.SelectMany(r => r.Rows)),
            Methods = MergeMethods(perSeed.SelectMany(r => r.Methods)),
        };
    }

    /// <summary>One entry per method, in the order each first appears, its budget summed over the seeds that ran it.</summary>
    public static IReadOnlyList<MethodSummary> MergeMethods(IEnumerable<MethodSummary> methods) =>
        methods.GroupBy(m => m.Name).Select(g => g.First() with { Budget = g.Aggregate(MethodBudget.Zero, (sum, m) => sum + m.Budget) }).ToList();

    /// <summary>One merged row per (method, split), in the order each pair first appears.</summary>
    public static IReadOnlyList<MethodResult> Merge(IEnumerable<MethodResult> rows) =>
        rows.GroupBy(r => (r.Method, r.Split)).Select(g => MergeGroup(g.ToList())).ToList();

    private static MethodResult MergeGroup(IReadOnlyList<MethodResult> seeds)
    {
        var first = seeds[0];
        string what = $"{first.Method}/{first.Split}";
        // A merged row's fractions are means, not counts over its n, so it cannot be pooled again exactly.
        if (seeds.Any(r => r.PerSeed != null)) throw new RealmException($"{what}: a row is already merged across seeds");
        var seedIds = seeds.Select(r => r.Seed).ToList();
        if (seedIds.Any(s => s == null)) throw new RealmException($"{what}: every row to merge needs its seed");
        if (seedIds.Distinct().Count() != seedIds.Count) throw new RealmException($"{what}: the same seed appears twice");

        int n = seeds.Sum(r => r.N);
        // Null means the model never wrote a verdict, so it judged none of the shown routes right: when
        // another seed's model did verify, that seed counts as 0 rather than leaving the method out.
        var verify = seeds.All(r => r.VerifyAcc == null) ? null : seeds.Select(r => r.VerifyAcc ?? 0).ToList();

        return new MethodResult
        {
            Method = first.Method,
            Split = first.Split,
            N = n,
            AccRoutes = seeds.Average(r => r.AccRoutes),
            AccRoutesCi = Wilson.Interval(seeds.Sum(r => r.CorrectWithRoutes), n),
            AccNoRoutes = seeds.Average(r => r.AccNoRoutes),
            AccNoRoutesCi = Wilson.Interval(seeds.Sum(r => r.CorrectWithoutRoutes), n),
            VerifyAcc = verify?.Average(),
            FirstErrorAcc = seeds.All(r => r.FirstErrorAcc == null) ? null : seeds.Average(r => r.FirstErrorAcc ?? 0),
            PassAtK = MeanByK(seeds.Select(r => r.PassAtK)),
            MajAtK = MeanByK(seeds.Select(r => r.MajAtK)),
            Seeds = seedIds.Select(s => s!.Value).ToList(),
            PerSeed = seeds.Select(r => new SeedScore
            {
                Seed = r.Seed,
                AccRoutes = r.AccRoutes,
                AccNoRoutes = r.AccNoRoutes,
                VerifyAcc = r.VerifyAcc,
            }).ToList(),
            Std = seeds.Count < 2 ? null : new SeedSpread
            {
                AccRoutes = SampleStd(seeds.Select(r => r.AccRoutes).ToList()),
                AccNoRoutes = SampleStd(seeds.Select(r => r.AccNoRoutes).ToList()),
                VerifyAcc = verify == null ? null : SampleStd(verify),
            },
            Notes = JoinDistinct(seeds.Select(r => r.Notes)),
        };
    }

    /// <summary>Standard deviation with Bessel's correction (n − 1): seeds are a sample of possible runs.</summary>
    internal static double SampleStd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double squares = values.Sum(v => (v - mean) * (v - mean));
        return Math.Sqrt(squares / (values.Count - 1));
    }

    // Only the k reported for every seed can be averaged fairly.
    private static IReadOnlyDictionary<int, double>? MeanByK(IEnumerable<IReadOnlyDictionary<int, double>?> perSeed)
    {
        var tables = perSeed.ToList();
        if (tables.Any(t => t == null)) return null;
        var ks = tables.Select(t => t!.Keys).Aggregate((a, b) => a.Intersect(b)).Order();
        var mean = ks.ToDictionary(k => k, k => tables.Average(t => t![k]));
        return mean.Count == 0 ? null : mean;
    }

    private static string? JoinDistinct(IEnumerable<string?> notes)
    {
        var distinct = notes.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct().ToList();
        return distinct.Count == 0 ? null : string.Join("; ", distinct);
    }
}
