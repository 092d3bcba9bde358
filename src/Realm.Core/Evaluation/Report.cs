using System.Globalization;
using System.Text;
using Realm.Engine.IO;

namespace Realm.Evaluation;

/// <summary>
/// The human-readable summary of a run (report.md): what was run, the methods (role, start, stages,
/// rewards, routes, budget), the comparison table per split, our margins beside the paper's, and the charts. <see cref="ToText"/> renders the same tables as
/// plain text for logs.
/// </summary>
public sealed class Report
{
    public const string DefaultFileName = "report.md";

    public required string Title { get; init; }
    /// <summary>One line each: model size, budget, seeds, ... as the caller wants them shown.</summary>
    public IReadOnlyList<string> RunSummary { get; init; } = [];
    public required IReadOnlyList<MethodResult> Rows { get; init; }
    /// <summary>The methods behind the rows; their roles decide who competes in the margins table.</summary>
    public IReadOnlyList<MethodSummary> Methods { get; init; } = [];
    public IReadOnlyList<ChartLink> Charts { get; init; } = [];
    public PaperMargins Paper { get; init; } = PaperMargins.ReaLMPaper;

    private static readonly string[] Headers = ["Method", "n", "Acc. with routes", "Acc. without routes", "Verification acc."];

    public void Write(string path) => AtomicFile.WriteAllText(path, ToMarkdown());

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# ").AppendLine(Title).AppendLine();
        if (RunSummary.Count > 0)
        {
            md.AppendLine("## What was run").AppendLine();
            foreach (string line in RunSummary) md.Append("- ").AppendLine(line);
            md.AppendLine();
        }

        AppendMethods(md);

        md.AppendLine("## Results").AppendLine();
        md.AppendLine("Accuracy in %, with the 95% Wilson interval in brackets" +
                      (Rows.Any(r => r.Std != null) ? " and ± the standard deviation across seeds." : "."));
        md.AppendLine("\"With routes\": K mixed routes shown in the prompt; \"without routes\": the model on its own.").AppendLine();
        foreach (string split in SplitsPresent())
        {
            md.Append("### ").AppendLine(SplitTitle(split)).AppendLine();
            md.AppendLine(MarkdownRow(Headers));
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var row in Rows.Where(r => r.Split == split)) md.AppendLine(MarkdownRow(Cells(row)));
            md.AppendLine();
        }

        AppendPaperComparison(md);

        if (Charts.Count > 0)
        {
            md.AppendLine("## Charts").AppendLine();
            foreach (var chart in Charts)
            {
                md.Append("![").Append(chart.Caption).Append("](").Append(chart.RelativePath).AppendLine(")");
                md.Append('*').Append(chart.Caption).AppendLine("*").AppendLine();
            }
        }
        return md.ToString();
    }

    /// <summary>The comparison tables as aligned plain text, one block per split.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (string split in SplitsPresent())
        {
            if (text.Length > 0) text.AppendLine();
            text.AppendLine(SplitTitle(split));
            var lines = new List<string[]> { Headers };
            lines.AddRange(Rows.Where(r => r.Split == split).Select(Cells));
            int[] widths = Enumerable.Range(0, Headers.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
            foreach (var cells in lines)
                text.AppendLine(string.Join("  ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }
        return text.ToString();
    }

    private void AppendMethods(StringBuilder md)
    {
        if (Methods.Count == 0) return;
        md.AppendLine("## Methods").AppendLine();
        md.AppendLine("Budget: sequences and optimiser updates after the start checkpoint, tokens sampled from the model, " +
                      "completion tokens trained on (summed over updates).").AppendLine();
        md.AppendLine(MarkdownRow(["Method", "Role", "Starts from", "Stages", "Rewards", "Routes", "Sequences", "Updates", "Generated tokens", "Trained tokens"]));
        md.AppendLine("|---|---|---|---|---|---|---:|---:|---:|---:|");
        foreach (var m in Methods)
            md.AppendLine(MarkdownRow([
                m.Name, m.Role.ToString().ToLowerInvariant(), m.StartsFrom, string.Join(" → ", m.Stages),
                m.Rewards.Count == 0 ? "—" : string.Join(" + ", m.Rewards.Select(r => $"{r.Value.ToString("0.0##", CultureInfo.InvariantCulture)}·{r.Key}")),
                m.Routes, Count(m.Budget.Sequences), Count(m.Budget.OptimizerUpdates), Count(m.Budget.GeneratedTokens), Count(m.Budget.TrainedTokens),
            ]));
        md.AppendLine();
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private void AppendPaperComparison(StringBuilder md)
    {
        var margins = ReaLMMargins.Compute(Rows, Methods);
        md.AppendLine("## Paper vs. ours").AppendLine();
        md.AppendLine($"The paper reports ReaLM ahead of the best baseline by {Signed(Paper.WithRoutesPoints)} points with " +
                      $"external CoTs (routes) and {Signed(Paper.WithoutRoutesPoints)} without. Ours: each ReaLM pipeline " +
                      "minus the best baseline on the same split and setting, in points (the base model is a reference and the " +
                      "ablations are variants of ReaLM: neither is a baseline).").AppendLine();
        if (margins.Count == 0)
        {
            md.AppendLine("No ReaLM pipeline and baseline were evaluated on a common split.").AppendLine();
            return;
        }
        md.AppendLine(MarkdownRow(["Split", "Setting", "Method", "Best baseline", "Ours", "Paper", "95% intervals"]));
        md.AppendLine("|---|---|---|---|---:|---:|---|");
        foreach (var m in margins)
            md.AppendLine(MarkdownRow([
                m.Split,
                m.WithRoutes ? "with routes" : "without routes",
                m.Method,
                $"{m.BestBaseline} ({Percent(m.BaselineAccuracy)})",
                Signed(m.Points),
                Signed(m.WithRoutes ? Paper.WithRoutesPoints : Paper.WithoutRoutesPoints),
                m.IntervalsOverlap ? "overlap" : "separate",
            ]));
        md.AppendLine();
        md.AppendLine("Separate intervals show a real difference; overlapping ones mean this evaluation is too small to " +
                      "confirm it (comparing intervals is a conservative test).").AppendLine();
    }

    // The known splits in table order first; any other split after them as it appears.
    private IEnumerable<string> SplitsPresent() =>
        EvalSplit.All.Concat(Rows.Select(r => r.Split)).Distinct().Where(s => Rows.Any(r => r.Split == s));

    private static string SplitTitle(string split) => split switch
    {
        EvalSplit.Dev => "Tuning split (dev)",
        EvalSplit.Id => "In-distribution (id)",
        EvalSplit.OodLength => "Out-of-distribution, one step longer (ood-length)",
        EvalSplit.OodCompose => "Out-of-distribution, unseen rule pairs (ood-compose)",
        EvalSplit.LegacyOod => "Out-of-distribution (ood)",
        _ => split,
    };

    private static string[] Cells(MethodResult row) =>
    [
        row.Method,
        row.N.ToString(CultureInfo.InvariantCulture),
        AccuracyCell(row.AccRoutes, row.Std?.AccRoutes, row.AccRoutesCi),
        AccuracyCell(row.AccNoRoutes, row.Std?.AccNoRoutes, row.AccNoRoutesCi),
        row.VerifyAcc is double v ? Percent(v) + (row.Std?.VerifyAcc is double s ? $" ± {Percent(s)}" : "") : "—",
    ];

    private static string AccuracyCell(double accuracy, double? std, ConfidenceInterval ci) =>
        $"{Percent(accuracy)}{(std is double s ? $" ± {Percent(s)}" : "")} [{Percent(ci.Lo)}, {Percent(ci.Hi)}]";

    private static string Percent(double fraction) => (100 * fraction).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Signed(double points) => points.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    // A '|' inside a method name would split the cell.
    private static string MarkdownRow(IEnumerable<string> cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|"))) + " |";
}
