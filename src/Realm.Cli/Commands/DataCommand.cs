using System.CommandLine;
using Realm.Data;
using Realm.Domains;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm data</c>: generate, validate and explain problem datasets (JSONL with routes).</summary>
internal static class DataCommand
{
    // Enough to see what is wrong; the count says how many more there are.
    private const int IssuesShown = 50;

    public static Command Create() =>
        new("data", "Problem datasets (JSONL, one problem with its routes per line): generate one from a built-in domain, validate one, print a domain's rulebook.")
        {
            GenerateCommand(), ValidateCommand(), RulebookCommand(),
        };

    private static Option<string> DomainOption() => new("--domain")
    {
        Description = $"Built-in domain: {string.Join(", ", BuiltInDomains.All.Select(d => d.Name))} (docs/domains.md describes each; "
            + "`realm data rulebook --domain NAME` prints its rules).",
        Required = true,
    };

    private static Command GenerateCommand()
    {
        var defaults = new DatasetOptions();
        Option<T> Opt<T>(string name, T value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var domain = DomainOption();
        var output = new Option<string>("--out") { Description = "The JSONL file to write (replaced only once complete).", Required = true };
        var train = Opt("--train", defaults.Train, "Training problems.");
        var dev = Opt("--dev", defaults.Dev, "Dev problems, for tuning: the training distribution, questions not in train or the tests.");
        var id = Opt("--id", defaults.Id, "In-distribution test problems: the training distribution, questions not in train.");
        var oodLength = Opt("--ood-length", defaults.OodLength, "Out-of-distribution test problems one step longer than any in train, rule combinations as in train.");
        var oodCompose = Opt("--ood-compose", defaults.OodCompose, "Out-of-distribution test problems of training length that combine rules train never combines (docs/domains.md).");
        var seed = Opt("--seed", defaults.Seed, "Seed; the same seed and counts give the same file.");
        var positives = Opt("--positives", defaults.Positives, "Correct routes per problem (0 or 1: a built-in expert writes one distinct correct route).");
        var negatives = Opt("--negatives", defaults.Negatives,
            "Wrong routes per problem, of different kinds (arithmetic slip, wrong rule, skipped rule, wrong operand, early stop), each with its first wrong step.");

        var command = new Command("generate", "Generate a dataset: problems for train, dev, id, ood-length and ood-compose, each with the expert's correct route and wrong routes.")
        {
            domain, output, train, dev, id, oodLength, oodCompose, seed, positives, negatives,
        };
        command.SetAction(result =>
        {
            var dom = BuiltInDomains.Get(result.GetRequiredValue(domain));
            var options = new DatasetOptions
            {
                Train = result.GetValue(train), Dev = result.GetValue(dev), Id = result.GetValue(id),
                OodLength = result.GetValue(oodLength), OodCompose = result.GetValue(oodCompose), Seed = result.GetValue(seed),
                Positives = result.GetValue(positives), Negatives = result.GetValue(negatives),
            };
            string path = result.GetRequiredValue(output);
            var problems = DatasetBuilder.Build(dom, options);
            Console.WriteLine($"generating {dom.Name}: {string.Join(", ", Splits.All.Select(s => $"{s} {options.Count(s):N0}"))} (seed {options.Seed})");
            var summary = new DatasetSummary();
            ProblemJsonl.Write(path, problems.Select(p =>
            {
                summary.Add(p);
                return p;
            }));
            AnsiConsole.Write(SummaryTable(summary, Markup.Escape(path)));
            var total = summary.Total;
            Console.WriteLine($"wrote {total.Problems:N0} problems with {total.Positives:N0} correct and {total.Negatives:N0} wrong routes to {path}");
            return 0;
        });
        return command;
    }

    private static Command ValidateCommand()
    {
        var file = new Argument<string>("FILE") { Description = "The JSONL dataset to check." };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Go on past malformed lines and list them all, instead of stopping at the first." };
        var command = new Command("validate",
            "Check a dataset: the schema of every line, unique ids, first_error_step null for correct routes and within 1..steps+1 for wrong ones, "
            + "each route marked correct exactly when its answer verifies (built-in domains: their checker; others: exact match after normalising); "
            + "for built-in domains also that each answer is the expert's. "
            + "Prints counts per split and the problems found (the first 50, with file:line); exits 1 if there is any.")
        {
            file, skipBad,
        };
        command.SetAction(result =>
        {
            var dataset = ProblemJsonl.Read(result.GetRequiredValue(file), result.GetValue(skipBad));
            var issues = dataset.BadLines.Concat(DatasetValidator.Check(dataset)).ToList();
            var summary = new DatasetSummary();
            foreach (var problem in dataset.Problems) summary.Add(problem);
            AnsiConsole.Write(SummaryTable(summary, Markup.Escape(dataset.Path)));
            foreach (var other in dataset.Problems.Select(p => p.Domain).Distinct().Where(d => BuiltInDomains.TryGet(d) == null))
                Console.WriteLine($"domain '{other}' is not built in: routes were checked against the answers by exact match after normalising; the answers themselves were not verified");
            if (issues.Count == 0)
            {
                Console.WriteLine($"ok: {dataset.Problems.Count:N0} problems, no errors");
                return 0;
            }
            Console.WriteLine($"{issues.Count:N0} error(s)" + (dataset.BadLines.Count > 0 ? $", {dataset.BadLines.Count:N0} of them malformed lines" : "") + ":");
            foreach (var issue in issues.Take(IssuesShown)) Console.WriteLine(issue);
            if (issues.Count > IssuesShown) Console.WriteLine($"... and {issues.Count - IssuesShown:N0} more");
            return 1;
        });
        return command;
    }

    private static Command RulebookCommand()
    {
        var domain = DomainOption();
        var command = new Command("rulebook", "Print a domain's numbered rulebook: the expert knowledge its routes name as R1, R2, ...") { domain };
        command.SetAction(result =>
        {
            var rulebook = BuiltInDomains.Get(result.GetRequiredValue(domain)).Rulebook;
            Console.WriteLine($"{rulebook.Id} ({rulebook.Rules.Count} rules)");
            Console.WriteLine(rulebook.Render());
            return 0;
        });
        return command;
    }

    private static Table SummaryTable(DatasetSummary summary, string title)
    {
        var table = new Table
        {
            Title = new TableTitle(title),
            Caption = new TableTitle("correct, wrong: routes; question, route: mean bytes (correct routes); max: longest route"),
        }.AddColumns("split", "problems", "difficulty", "correct", "wrong", "question", "route", "max");
        table.Columns[0].NoWrap(); // split names such as "ood-compose" stay whole on a narrow terminal
        foreach (var (split, c) in summary.BySplit.Append(("total", summary.Total)))
            table.AddRow(Markup.Escape(split), $"{c.Problems:N0}", c.Problems == 0 ? "" : $"{c.MinDifficulty}..{c.MaxDifficulty}",
                $"{c.Positives:N0}", $"{c.Negatives:N0}", $"{c.MeanQuestionBytes:F1}", $"{c.MeanPositiveRouteBytes:F1}", $"{c.MaxRouteBytes:N0}");
        return table;
    }
}
