using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class ReportTests
{
    // Counts out of 100 problems; the expected margins and overlaps below are worked out by hand from them.
    private static readonly MethodResult[] Rows =
    [
        MethodResult.FromCounts("ReaLM-R1", EvalSplit.Id, 100, 90, 95, verifyAcc: 0.875),
        MethodResult.FromCounts("ReaLM-Zero", EvalSplit.Id, 100, 85, 70, verifyAcc: 0.8),
        MethodResult.FromCounts("GRPO", EvalSplit.Id, 100, 70, 75),
        MethodResult.FromCounts("SFT", EvalSplit.Id, 100, 80, 60),
        MethodResult.FromCounts("ReaLM-R1 (no verify reward)", EvalSplit.Id, 100, 99, 99),
        MethodResult.FromCounts("ReaLM-R1", EvalSplit.OodCompose, 100, 60, 60, verifyAcc: 0.5),
        MethodResult.FromCounts("GRPO", EvalSplit.OodCompose, 100, 70, 75),
    ];

    private static MethodSummary Method(string name, MethodRole role) => new() { Name = name, Role = role, StartsFrom = "distilled", Routes = "none" };

    private static readonly MethodSummary[] Methods =
    [
        Method("ReaLM-R1", MethodRole.Realm), Method("ReaLM-Zero", MethodRole.Realm), Method("GRPO", MethodRole.Baseline),
        Method("SFT", MethodRole.Baseline), Method("ReaLM-R1 (no verify reward)", MethodRole.Ablation),
    ];

    [Fact]
    public void Margins_CompareEachPipelineWithTheBestBaseline_PerSplitAndSetting()
    {
        var margins = ReaLMMargins.Compute(Rows, Methods).Select(m => (m.Method, m.Split, m.WithRoutes, m.BestBaseline, Math.Round(m.Points, 6), m.IntervalsOverlap));

        Assert.Equal(
        [
            // With routes on id the best baseline is SFT (80), not the ablation at 99.
            ("ReaLM-R1", "id", true, "SFT", 10.0, true),      // [82.6, 94.5] vs [71.1, 86.7]
            ("ReaLM-Zero", "id", true, "SFT", 5.0, true),
            ("ReaLM-R1", "id", false, "GRPO", 20.0, false),   // [88.8, 97.8] vs [65.7, 82.5]
            ("ReaLM-Zero", "id", false, "GRPO", -5.0, true),
            ("ReaLM-R1", "ood-compose", true, "GRPO", -10.0, true),   // [50.2, 69.1] vs [60.4, 78.1]
            ("ReaLM-R1", "ood-compose", false, "GRPO", -15.0, true),  // [50.2, 69.1] vs [65.7, 82.5]
        ], margins);
    }

    [Fact]
    public void Margins_WithoutABaseline_AreEmpty() =>
        Assert.Empty(ReaLMMargins.Compute([MethodResult.FromCounts("ReaLM-R1", EvalSplit.Id, 10, 5, 5)], Methods));

    [Fact]
    public void RolesNotNamesDecideWhoCompetes()
    {
        // The base model scores best here, but it is the reference row; a ReaLM-named method that is a baseline competes.
        MethodResult[] rows =
        [
            MethodResult.FromCounts("Base", EvalSplit.Id, 100, 99, 99),
            MethodResult.FromCounts("ReaLM-like baseline", EvalSplit.Id, 100, 50, 50),
            MethodResult.FromCounts("Ours", EvalSplit.Id, 100, 60, 60),
        ];
        MethodSummary[] methods = [Method("Base", MethodRole.Reference), Method("ReaLM-like baseline", MethodRole.Baseline), Method("Ours", MethodRole.Realm)];
        var margins = ReaLMMargins.Compute(rows, methods);
        Assert.Equal(2, margins.Count);
        Assert.All(margins, m => Assert.Equal(("Ours", "ReaLM-like baseline"), (m.Method, m.BestBaseline)));
        Assert.Empty(ReaLMMargins.Compute(rows, [])); // roles unknown: nothing is compared
    }

    private static Report Sample() => new()
    {
        Title = "ReaLM on tariff",
        RunSummary = ["model: 2 layers, 64 wide", "seeds: 1"],
        Rows = Rows,
        Methods = Methods,
        Charts = [new ChartLink("charts/reward.svg", "Mean reward per RL step")],
    };

    [Fact]
    public void Markdown_HasTheSummary_OneTablePerSplit_ThePaperComparison_AndTheCharts()
    {
        string md = Sample().ToMarkdown();
        string[] lines = md.Split('\n');

        Assert.StartsWith("# ReaLM on tariff", md);
        Assert.Contains("- model: 2 layers, 64 wide", lines);
        int id = Array.IndexOf(lines, "### In-distribution (id)");
        int ood = Array.IndexOf(lines, "### Out-of-distribution, unseen rule pairs (ood-compose)");
        Assert.True(id > 0 && ood > id);
        // 90/100 has the Wilson interval [82.6, 94.5]; verification 0.875 shows as 87.5.
        Assert.Contains("| ReaLM-R1 | 100 | 90.0 [82.6, 94.5] | 95.0 [88.8, 97.8] | 87.5 |", lines);
        Assert.Contains("| GRPO | 100 | 70.0 [60.4, 78.1] | 75.0 [65.7, 82.5] | — |", lines);
        Assert.Equal(5, lines[(id + 1)..ood].Count(l => l.StartsWith("| ") && !l.StartsWith("| Method")));

        Assert.True(Array.IndexOf(lines, "## Methods") is int methods && methods > 0 && methods < id);
        Assert.Contains("| ReaLM-R1 (no verify reward) | ablation | distilled |  | — | none | 0 | 0 | 0 | 0 |", lines);

        Assert.Contains("## Paper vs. ours", md);
        Assert.Contains("| id | without routes | ReaLM-R1 | GRPO (75.0) | +20.0 | +2.6 | separate |", lines);
        Assert.Contains("| ood-compose | with routes | ReaLM-R1 | GRPO (70.0) | -10.0 | +4.2 | overlap |", lines);

        Assert.Contains("![Mean reward per RL step](charts/reward.svg)", lines);
    }

    [Fact]
    public void Markdown_ShowsTheSpreadAcrossSeeds_WhenRowsAreMerged()
    {
        var merged = SeedMerge.Merge([
            MethodResult.FromCounts("SFT", EvalSplit.Id, 10, 5, 5) with { Seed = 1 },
            MethodResult.FromCounts("SFT", EvalSplit.Id, 10, 7, 5) with { Seed = 2 },
        ]);
        string md = new Report { Title = "t", Rows = merged }.ToMarkdown();
        // Mean 60.0, sample std of 0.5 and 0.7 is 14.1 points, pooled Wilson for 12 of 20.
        var (lo, hi) = (0.3866, 0.7812);
        Assert.Contains($"| SFT | 20 | 60.0 ± 14.1 [{100 * lo:0.0}, {100 * hi:0.0}] |", md);
    }

    [Fact]
    public void Markdown_EscapesPipesInMethodNames()
    {
        string md = new Report { Title = "t", Rows = [MethodResult.FromCounts("a|b", EvalSplit.Id, 10, 5, 5)] }.ToMarkdown();
        Assert.Contains("| a\\|b |", md);
    }

    [Fact]
    public void Text_AlignsColumns_InOneBlockPerSplit()
    {
        string[] lines = Sample().ToText().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int ood = Array.IndexOf(lines, "Out-of-distribution, unseen rule pairs (ood-compose)");
        Assert.Equal("In-distribution (id)", lines[0]);
        var idBlock = lines[1..ood];
        Assert.Equal(6, idBlock.Length); // header and five methods
        Assert.StartsWith("Method", idBlock[0]);
        // Every column is padded to its widest cell, so every line of a block has the same length.
        Assert.Single(idBlock.Select(l => l.Length).Distinct());
        Assert.Contains(idBlock, l => l.StartsWith("ReaLM-R1 ") && l.Contains("90.0 [82.6, 94.5]"));
        Assert.Equal(4, lines.Length - ood); // title, header, two methods
    }

    [Fact]
    public void Write_SavesTheMarkdown()
    {
        using var temp = new TempDirectory();
        var report = Sample();
        report.Write(temp.File("report.md"));
        Assert.Equal(report.ToMarkdown(), File.ReadAllText(temp.File("report.md")));
    }
}
