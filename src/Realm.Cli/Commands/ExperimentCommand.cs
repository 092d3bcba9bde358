using System.CommandLine;
using Realm.Evaluation;
using Realm.Method.Pipelines;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm experiment</c>: the comparison at full budget over several seeds, merged into one table.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var outDir = new Option<string>("--out") { Description = "Experiment directory; each seed runs in seed-N/ inside it.", DefaultValueFactory = _ => Path.Combine("runs", "experiment") };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds (at least 3 for the paper-style table).", DefaultValueFactory = _ => "1,2,3" };
        var scale = new Option<string>("--scale") { Description = "full (the documented budget, ≤ 2 h on 2 cores for 3 seeds) or demo.", DefaultValueFactory = _ => "full" };
        var methods = new Option<string?>("--methods") { Description = "Run only these methods (comma-separated names from docs/method.md's table, any case, e.g. \"SFT,ReaLM-R1\"); the base model and the distillation stage always run." };
        var budget = new Option<int?>("--budget") { Description = "Training sequences per method after its start checkpoint, in updates of one RL step's prompts × G sequences for every method." };
        var command = new Command("experiment", "Run the ReaLM comparison at full budget over several seeds (resumable) and merge the results.")
        {
            outDir, seeds, scale, methods, budget,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            using var cpu = common.CreateCpu(result);
            var baseConfig = result.GetValue(scale) switch
            {
                "full" => ExperimentConfig.Full,
                "demo" => ExperimentConfig.Demo,
                var other => throw new RealmException($"--scale must be full or demo, got '{other}'"),
            };
            baseConfig = ExperimentOptions.Apply(baseConfig, result.GetValue(methods), result.GetValue(budget));
            var seedList = GenerateCommand.ParseIds(result.GetValue(seeds)!, "--seeds").Select(s => (ulong)s).ToList();
            string dir = result.GetValue(outDir)!;
            var perSeed = new List<ResultsFile>();
            foreach (var seed in seedList)
            {
                AnsiConsole.Write(new Rule($"seed {seed}").LeftJustified());
                // Ablations run on the first seed only; the main table has every seed.
                var config = baseConfig with { Seed = seed, Ablations = baseConfig.Ablations && seed == seedList[0] };
                perSeed.Add(ExperimentRunner.Run(config, Path.Combine(dir, $"seed-{seed}"), cpu));
            }
            var merged = MultiSeed.WriteMerged(perSeed, seedList, dir);
            AnsiConsole.Write(ResultsTable.Build(merged, $"ReaLM experiment, {seedList.Count} seeds (pooled 95% Wilson intervals)"));
            AnsiConsole.MarkupLine($"results: [bold]{Markup.Escape(Path.Combine(dir, ResultsFile.DefaultFileName))}[/], report: [bold]{Markup.Escape(Path.Combine(dir, Report.DefaultFileName))}[/]");
            return 0;
        });
        return command;
    }
}
