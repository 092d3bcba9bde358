using Realm.Evaluation;

namespace Realm.Method.Pipelines;

/// <summary>
/// The merged table of `realm experiment`: rows of methods every seed ran are pooled across seeds
/// (<see cref="SeedMerge"/>); rows only the first seed has (the ablations) follow as they are. Writes
/// results.json and report.md into the experiment directory.
/// </summary>
public static class MultiSeed
{
    public static ResultsFile WriteMerged(IReadOnlyList<ResultsFile> perSeed, IReadOnlyList<ulong> seeds, string directory)
    {
        var everySeed = perSeed.Select(r => r with { Rows = r.Rows.Where(row => perSeed.All(o => o.Find(row.Method, row.Split) != null)).ToList() }).ToList();
        var merged = SeedMerge.Merge(everySeed);
        var firstSeedOnly = perSeed[0].Rows.Where(row => merged.Find(row.Method, row.Split) == null).ToList();
        merged = merged with
        {
            Rows = [.. merged.Rows, .. firstSeedOnly],
            Methods = SeedMerge.MergeMethods(perSeed.SelectMany(r => r.Methods)),
        };
        merged.Write(Path.Combine(directory, ResultsFile.DefaultFileName));
        new Report
        {
            Title = $"ReaLM comparison on the {merged.Domain} domain, {seeds.Count} seeds",
            RunSummary = [$"seeds {string.Join(", ", seeds)}; per-seed runs and reports in seed-N/; intervals pool all problems of all seeds; budgets are totals over the seeds that ran each method"],
            Rows = merged.Rows,
            Methods = merged.Methods,
        }.Write(Path.Combine(directory, Report.DefaultFileName));
        return merged;
    }
}
