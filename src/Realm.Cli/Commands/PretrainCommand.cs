using System.CommandLine;
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
        var problems = new Option<int>("--problems") { Description = "General (arith) problems to train on.", DefaultValueFactory = _ => d.GeneralProblems };
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialisation and order.", DefaultValueFactory = _ => 1UL };
        var scale = new Option<string>("--scale") { Description = "Model size: demo or full (as in realm demo / realm experiment).", DefaultValueFactory = _ => "demo" };
        var command = new Command("pretrain", "Train the base model from scratch on general step-by-step reasoning (not the vertical domain). Re-run to resume.")
        {
            outDir, steps, problems, seed, scale,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            using var cpu = common.CreateCpu(result);
            var config = (result.GetValue(scale) == "full" ? ExperimentConfig.Full : ExperimentConfig.Demo) with
            {
                PretrainSteps = result.GetValue(steps), GeneralProblems = result.GetValue(problems), Seed = result.GetValue(seed),
                TrainProblems = 1, TestProblems = 1,
            };
            string run = result.GetValue(outDir)!;
            string dir = ExperimentProgressView.Run(observer =>
            {
                var context = Experiment.Prepare(config, run, cpu, observer, CommandRunner.CtrlC());
                using var _ = context.Metrics;
                return Experiment.Pretrain(context);
            });
            AnsiConsole.MarkupLine($"[green]base model[/] {Markup.Escape(dir)}");
            return 0;
        });
        return command;
    }
}
