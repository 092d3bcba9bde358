using Realm.Engine.Compute;
using Realm.Evaluation;
using Realm.Method.Pipelines;

namespace Realm.Cli;

/// <summary>Runs one seed of a comparison with progress display and Ctrl+C handling.</summary>
internal static class ExperimentRunner
{
    public static ResultsFile Run(ExperimentConfig config, string runDirectory, Cpu cpu)
    {
        var cancel = CommandRunner.CtrlC();
        return ExperimentProgressView.Run(observer =>
        {
            var context = Experiment.Prepare(config, runDirectory, cpu, observer, cancel);
            using var _ = context.Metrics;
            return Experiment.Run(context);
        });
    }
}
