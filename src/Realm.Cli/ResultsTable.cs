using Realm.Evaluation;
using Spectre.Console;

namespace Realm.Cli;

/// <summary>The comparison table: one row per method, accuracy with and without routes on each test split present, and verification on ID.</summary>
internal static class ResultsTable
{
    public static Table Build(ResultsFile results, string title)
    {
        var table = new Table { Title = new TableTitle(title) };
        var splits = EvalSplit.All.Where(s => s != EvalSplit.Dev && results.Rows.Any(r => r.Split == s)).ToList();
        table.AddColumn("method");
        foreach (var split in splits) table.AddColumns($"{Short(split)} with routes", $"{Short(split)} without");
        table.AddColumn("verification (ID)");
        foreach (var method in results.Rows.Select(r => r.Method).Distinct())
        {
            var cells = new List<string> { Markup.Escape(method) };
            foreach (var split in splits)
            {
                var row = results.Find(method, split);
                cells.Add(Cell(row?.AccRoutes, row?.AccRoutesCi));
                cells.Add(Cell(row?.AccNoRoutes, row?.AccNoRoutesCi));
            }
            cells.Add(results.Find(method, EvalSplit.Id)?.VerifyAcc is double v ? $"{v:P1}" : "—");
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    private static string Short(string split) => split switch
    {
        EvalSplit.Id => "ID",
        EvalSplit.OodLength => "OOD-len",
        EvalSplit.OodCompose => "OOD-comp",
        _ => split.ToUpperInvariant(),
    };

    private static string Cell(double? accuracy, ConfidenceInterval? ci) =>
        accuracy is double a ? $"{a:P1} [grey][[{ci!.Value.Lo:P0}, {ci.Value.Hi:P0}]][/]" : "—";
}
