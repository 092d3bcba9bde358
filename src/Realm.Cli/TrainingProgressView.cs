using Realm.Training;
using Spectre.Console;

namespace Realm.Cli;

/// <summary>Shows training progress: a live bar on a terminal, plain log lines otherwise (CI, pipes).</summary>
internal static class TrainingProgressView
{
    public static TrainingSummary Run(LanguageModelTrainer trainer, int totalSteps, CancellationToken cancel)
    {
        static string Line(TrainingProgress p) =>
            $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}" + (p.EvalLoss is { } e ? $"  eval {e:F4}" : "")
            + $"  lr {p.LearningRate:G3}  |g| {p.GradNorm:F2}  {p.TokensPerSecond:N0} tok/s" + (p.Checkpointed ? "  [checkpoint]" : "");

        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return trainer.Run(p =>
            {
                if (p.Resumed || p.EvalLoss != null || p.Checkpointed || p.Step % 10 == 0) Console.WriteLine(Line(p));
            }, cancel);
        }
        TrainingSummary? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: totalSteps);
                summary = trainer.Run(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape($"loss {p.Loss:F3}" + (p.EvalLoss is { } e ? $" eval {e:F3}" : "") + $" {p.TokensPerSecond:N0} tok/s");
                    if (p.EvalLoss != null || p.Checkpointed) AnsiConsole.MarkupLine(Markup.Escape(Line(p)));
                }, cancel);
                task.Value = totalSteps;
            });
        return summary!;
    }
}
