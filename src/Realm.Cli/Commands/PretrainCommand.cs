using System.CommandLine;
using Realm.Domains;
using Realm.Evaluation;
using Realm.Method.Pipelines;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm pretrain</c>: the embedded default's base model, from scratch, on general step-by-step reasoning.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var d = ExperimentConfig.Demo;
        var outDir = new Option<string>("--out") { Description = "Run directory; the model lands in OUT/models/base.", DefaultValueFactory = _ => Path.Combine("runs", "base") };
        var steps = new Option<int>("--steps") { Description = "Training steps.", DefaultValueFactory = _ => d.PretrainSteps };
        var problems = new Option<int>("--problems") { Description = "General problems to train on, shared equally among the families.", DefaultValueFactory = _ => d.GeneralProblems };
        var families = new Option<string>("--families")
        {
            Description = $"Comma-separated general families of the curriculum (built in: {string.Join(", ", BuiltInDomains.All.Select(x => x.Name))}; docs/domains.md).",
            DefaultValueFactory = _ => string.Join(",", d.GeneralDomains),
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialisation and order.", DefaultValueFactory = _ => 1UL };
        var scale = new Option<string>("--scale") { Description = "Model size: demo or full (as in realm demo / realm experiment).", DefaultValueFactory = _ => "demo" };
        scale.AcceptOnlyFromAmong("demo", "full");
        var command = new Command("pretrain", "Train the base model from scratch on general step-by-step reasoning (not the vertical domain). Re-run to resume.")
        {
            outDir, steps, problems, families, seed, scale,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            using var cpu = common.CreateCpu(result);
            var config = (result.GetValue(scale) == "full" ? ExperimentConfig.Full : ExperimentConfig.Demo) with
            {
                PretrainSteps = result.GetValue(steps), GeneralProblems = result.GetValue(problems), Seed = result.GetValue(seed),
                GeneralDomains = result.GetValue(families)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                TrainProblems = 1, DevProblems = 0, TestProblems = 1,
            };
            string run = result.GetValue(outDir)!;
            var (dir, skills) = ExperimentProgressView.Run(observer =>
            {
                var context = Experiment.Prepare(config, run, cpu, observer, CommandRunner.CtrlC());
                using var _ = context.Metrics;
                string model = Experiment.Pretrain(context);
                return (model, Experiment.EvaluateBase(context));
            });
            AnsiConsole.Write(BaseSkillsTable(skills));
            AnsiConsole.MarkupLine($"[green]base model[/] {Markup.Escape(dir)}");
            return 0;
        });
        return command;
    }

    /// <summary>The base model on each general family's held-out problems (step 7's targets: ≥ 90% in the first and third columns).</summary>
    private static Table BaseSkillsTable(IReadOnlyList<MethodResult> rows)
    {
        var table = new Table { Title = new TableTitle("base model on held-out general problems") }
            .AddColumns("family", "n", "with a correct route", "without routes", "verification", "first wrong step");
        static string P(double? f) => f is double v ? $"{v:P1}" : "—";
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Method), $"{r.N}", P(r.AccRoutes), P(r.AccNoRoutes), P(r.VerifyAcc), P(r.FirstErrorAcc));
        return table;
    }
}
