using System.Diagnostics;
using Realm.Method.Pipelines;
using Spectre.Console;

namespace Realm.Cli;

/// <summary>
/// Draws a run's stages as progress bars on a terminal, or as plain log lines in CI and pipes; either way each
/// stage ends with its wall time, so a log shows where a run's time went.
/// </summary>
internal sealed class ExperimentProgressView : IExperimentObserver
{
    private readonly ProgressContext? _progress;
    private ProgressTask? _task;
    private string _stage = "";
    private int _total, _lastPrinted;
    private readonly Stopwatch _clock = new();

    private ExperimentProgressView(ProgressContext? progress) => _progress = progress;

    /// <summary>Runs <paramref name="work"/> with a progress display suited to the console.</summary>
    public static T Run<T>(Func<IExperimentObserver, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(new ExperimentProgressView(null));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => result = work(new ExperimentProgressView(ctx)));
        return result;
    }

    public void StageStarted(string name, int totalSteps)
    {
        _stage = name;
        _total = Math.Max(1, totalSteps);
        _lastPrinted = 0;
        _clock.Restart();
        if (_progress != null) _task = _progress.AddTask(Markup.Escape(name), maxValue: _total);
        else Console.WriteLine($"{name} ...");
    }

    public void StageProgress(int step, string detail)
    {
        if (_task != null)
        {
            _task.Value = step;
            _task.Description = Markup.Escape(detail.Length == 0 ? _stage : $"{_stage}: {detail}");
            return;
        }
        // Plain output: about ten lines per stage.
        if (step == _total || step - _lastPrinted >= Math.Max(1, _total / 10))
        {
            _lastPrinted = step;
            Console.WriteLine($"  {_stage} {step}/{_total} {detail}");
        }
    }

    public void StageFinished(string detail)
    {
        string line = $"{_stage}: {detail} ({_clock.Elapsed.TotalSeconds:F0} s)";
        if (_task != null)
        {
            _task.Value = _task.MaxValue;
            _task.Description = Markup.Escape(line);
            _task.StopTask();
        }
        else Console.WriteLine($"  {line}");
    }

    public void Log(string message)
    {
        if (_progress != null) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        else Console.WriteLine(message);
    }
}
