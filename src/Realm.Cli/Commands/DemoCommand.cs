using System.CommandLine;
using Realm.Method.Pipelines;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm demo</c>: the whole ReaLM story at demo scale on the built-in tariff domain — base model,
/// guided distillation, ReaLM-R1, ReaLM-Zero and the baselines — then the comparison table.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var outDir = new Option<string>("--out") { Description = "Run directory (results.json, report.md, metrics.jsonl, charts, models).", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialisation, sampling and training order.", DefaultValueFactory = _ => 1UL };
        var methods = new Option<string?>("--methods") { Description = "Run only these methods (comma-separated names from docs/method.md's table, any case, e.g. \"SFT,ReaLM-R1\"); the base model and the distillation stage always run." };
        var budget = new Option<int?>("--budget") { Description = "Training sequences per method after its start checkpoint, in updates of one RL step's prompts × G sequences for every method." };
        var command = new Command("demo", "Run ReaLM end to end at demo scale (base model, distillation, ReaLM-R1, ReaLM-Zero, baselines; ≤ 10 min on 2 cores) and print the comparison. Re-run to resume.")
        {
            outDir, seed, methods, budget,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            using var cpu = common.CreateCpu(result);
            var config = ExperimentOptions.Apply(ExperimentConfig.Demo with { Seed = result.GetValue(seed) }, result.GetValue(methods), result.GetValue(budget));
            string run = result.GetValue(outDir)!;
            AnsiConsole.Write(new Rule("[bold]ReaLM for .NET — demo[/]").LeftJustified());
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(run)} · {cpu} · model {config.Layers}×{config.Hidden} · {config.Domain} domain[/]");
            var results = ExperimentRunner.Run(config, run, cpu);
            AnsiConsole.Write(ResultsTable.Build(results, $"ReaLM demo on the {config.Domain} domain (accuracy, 95% Wilson intervals)"));
            AnsiConsole.MarkupLine($"results: [bold]{Markup.Escape(Path.Combine(run, "results.json"))}[/], report: [bold]{Markup.Escape(Path.Combine(run, "report.md"))}[/] ({results.WallSeconds:F0} s)");
            return 0;
        });
        return command;
    }
}
