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
        var methods = new Option<string?>("--methods") { Description = "Run only these methods (comma-separated names, e.g. \"SFT,ReaLM-R1\"); Base and SFT stages always run." };
        var budget = new Option<int?>("--budget") { Description = "Training sequences per method after the shared SFT stage (RL: steps × prompts × G)." };
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
            var main = perSeed.Select(r => r with { Rows = r.Rows.Where(row => perSeed.All(o => o.Find(row.Method, row.Split) != null)).ToList() }).ToList();
            var merged = SeedMerge.Merge(main);
            var ablations = perSeed[0].Rows.Where(row => merged.Find(row.Method, row.Split) == null).ToList();
            merged = merged with { Rows = [.. merged.Rows, .. ablations] };
            merged.Write(Path.Combine(dir, ResultsFile.DefaultFileName));
            new Report
            {
                Title = $"ReaLM comparison on the {baseConfig.Domain} domain, {seedList.Count} seeds",
                RunSummary = [$"seeds {string.Join(", ", seedList)}; per-seed runs and reports in seed-N/; intervals pool all problems of all seeds"],
                Rows = merged.Rows,
            }.Write(Path.Combine(dir, Report.DefaultFileName));
            AnsiConsole.Write(ResultsTable.Build(merged, $"ReaLM experiment, {seedList.Count} seeds (pooled 95% Wilson intervals)"));
            AnsiConsole.MarkupLine($"results: [bold]{Markup.Escape(Path.Combine(dir, ResultsFile.DefaultFileName))}[/], report: [bold]{Markup.Escape(Path.Combine(dir, Report.DefaultFileName))}[/]");
            return 0;
        });
        return command;
    }
}
