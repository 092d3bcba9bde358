using Realm.Evaluation;
using Spectre.Console;

namespace Realm.Cli;

/// <summary>The comparison table: one row per method, accuracy with and without routes on ID and OOD, and verification.</summary>
internal static class ResultsTable
{
    public static Table Build(ResultsFile results, string title)
    {
        var table = new Table { Title = new TableTitle(title) };
        table.AddColumns("method", "ID with routes", "ID without", "OOD with routes", "OOD without", "verification (ID)");
        foreach (var method in results.Rows.Select(r => r.Method).Distinct())
        {
            var id = results.Find(method, EvalSplit.Id);
            var ood = results.Find(method, EvalSplit.Ood);
            table.AddRow(Markup.Escape(method), Cell(id?.AccRoutes, id?.AccRoutesCi), Cell(id?.AccNoRoutes, id?.AccNoRoutesCi),
                Cell(ood?.AccRoutes, ood?.AccRoutesCi), Cell(ood?.AccNoRoutes, ood?.AccNoRoutesCi),
                id?.VerifyAcc is double v ? $"{v:P1}" : "—");
        }
        return table;
    }

    private static string Cell(double? accuracy, ConfidenceInterval? ci) =>
        accuracy is double a ? $"{a:P1} [grey][[{ci!.Value.Lo:P0}, {ci.Value.Hi:P0}]][/]" : "—";
}
