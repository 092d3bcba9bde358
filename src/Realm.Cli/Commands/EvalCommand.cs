using System.CommandLine;
using System.Text.Json;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Evaluation;
using Realm.Method;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm eval</c>: accuracy with and without routes, verification accuracy, pass@k and maj@k per split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var weights = new WeightsOption();
        var model = new Option<string>("--model")
        {
            Description = "Model directory (config.json, model.safetensors, tokenizer.json); prompts go through its chat template when tokenizer_config.json has one.",
            Required = true,
        };
        var adapter = new AdapterOption();
        var data = new Option<string>("--data") { Description = "Problems as JSONL (the dataset schema); routes are needed for 'with routes'.", Required = true };
        var splits = new Option<string?>("--splits") { Description = "Comma-separated splits to evaluate (default: the test splits the file has: id, ood-length, ood-compose; dev only when named)." };
        var maxRoutes = new Option<int>("--max-routes") { Description = "Kmax: routes shown per problem 'with routes' (fixed, seeded, mixed).", DefaultValueFactory = _ => 3 };
        var passK = new Option<int>("--pass-k") { Description = "Also sample k answers per problem (no routes) for pass@k and maj@k; 0 skips.", DefaultValueFactory = _ => 0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Longest answer generated.", DefaultValueFactory = _ => 256 };
        var limit = new Option<int>("--limit") { Description = "Evaluate at most this many problems per split (0: all).", DefaultValueFactory = _ => 0 };
        var name = new Option<string>("--name") { Description = "Method name for the result rows.", DefaultValueFactory = _ => "model" };
        var json = new Option<bool>("--json") { Description = "Print the result rows as JSON (results.json row format)." };
        var command = new Command("eval", "Evaluate a model on problems: accuracy with and without routes (95% Wilson intervals), verification accuracy, pass@k, maj@k.")
        {
            model, adapter.Option, data, splits, maxRoutes, passK, maxNew, limit, name, json,
        };
        weights.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            var weightChoice = weights.Read(result);
            using var cpu = common.CreateCpu(result);
            string dir = result.GetRequiredValue(model);
            using var adapters = adapter.Load(result, dir);
            using var llm = ModelWeights.Load(weightChoice, dir, cpu, adapters);
            var format = PromptFormat.ForModel(TokenizerLoader.Load(dir), dir);
            string path = result.GetRequiredValue(data);
            var problems = ProblemJsonl.Read(path).Problems;
            var chosen = result.GetValue(splits) is { } named
                ? named.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : EvalSplit.All.Where(s => s != EvalSplit.Dev && problems.Any(p => p.Split == s)).ToArray();
            if (chosen.Length == 0)
                throw new RealmException($"{path}: no problems in a test split ({string.Join(", ", EvalSplit.Tests)}) (the file has {string.Join(", ", problems.Select(p => p.Split).Distinct())}); choose with --splits");
            var options = new EvaluationOptions
            {
                MaxNewTokens = result.GetValue(maxNew), Routes = new RouteOptions { MaxRoutes = result.GetValue(maxRoutes) },
                SampleK = result.GetValue(passK),
            };
            var rows = new List<MethodResult>();
            foreach (var split in chosen)
            {
                var subset = problems.Where(p => p.Split == split).ToList();
                if (result.GetValue(limit) > 0) subset = subset.Take(result.GetValue(limit)).ToList();
                if (subset.Count == 0) throw new RealmException($"{path}: no problems in split '{split}'");
                var domain = BuiltInDomains.For(subset, path);
                // With --json, stdout holds the JSON alone: no progress lines.
                var score = result.GetValue(json)
                    ? ModelEvaluator.Evaluate(llm, format, domain, subset, split, options)
                    : ExperimentProgressView.Run(observer =>
                    {
                        observer.StageStarted($"evaluate {split} ({subset.Count} problems)", 2 * subset.Count + (options.SampleK > 0 ? subset.Count : 0));
                        var splitScore = ModelEvaluator.Evaluate(llm, format, domain, subset, split, options, (done, _) => observer.StageProgress(done, ""));
                        observer.StageFinished("done");
                        return splitScore;
                    });
                rows.Add(score.ToResult(result.GetValue(name)!));
            }
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var file = new ResultsFile { Domain = BuiltInDomains.For(problems, path).Name, Rows = rows };
            AnsiConsole.Write(ResultsTable.Build(file, $"{Markup.Escape(dir)} (accuracy, 95% Wilson intervals)"));
            foreach (var row in rows.Where(r => r.PassAtK != null))
                AnsiConsole.MarkupLine($"{row.Split}: pass@{row.PassAtK!.Keys.First()} {row.PassAtK.Values.First():P1}, maj@{row.MajAtK!.Keys.First()} {row.MajAtK.Values.First():P1}");
            return 0;
        });
        return command;
    }
}
