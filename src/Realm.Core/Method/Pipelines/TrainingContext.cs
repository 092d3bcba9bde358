using Realm.Data;
using Realm.Domains;
using Realm.Engine.Tokenizers;
using Realm.Evaluation;

namespace Realm.Method.Pipelines;

/// <summary>Receives progress of a long run, e.g. to draw progress bars.</summary>
public interface IExperimentObserver
{
    /// <summary>A new stage starts (e.g. "SFT" training, "evaluate GRPO"), with its number of steps.</summary>
    void StageStarted(string name, int totalSteps);
    void StageProgress(int step, string detail);
    void StageFinished(string detail);
    void Log(string message);
}

/// <summary>
/// What the stage runners (<see cref="TrainingRuns"/>) need to train one model: the domain and its training
/// problems, the prompt format, the held-out check, where metrics go and who watches. A comparison run's
/// <see cref="ExperimentContext"/> is one; <c>realm sft</c> and <c>realm rl</c> build one for a user's dataset.
/// </summary>
public class TrainingContext
{
    public required IDomain Domain { get; init; }
    public required ITokenizer Tokenizer { get; init; }

    /// <summary>How prompts and answers become the model's ids: plain (the project's own models) unless set to a chat format.</summary>
    public PromptFormat Format
    {
        get => field ??= PromptFormat.Plain(Tokenizer);
        init;
    }

    public required IReadOnlyList<Problem> Train { get; init; }
    /// <summary>Problems of the held-out check (greedy, no routes, logged as eval_acc); the first <see cref="HeldOutProblems"/> are used.</summary>
    public required IReadOnlyList<Problem> HeldOut { get; init; }
    /// <summary>Held-out problems checked about eight times a stage; 0 disables the check.</summary>
    public int HeldOutProblems { get; init; }
    /// <summary>Longest answer the held-out check generates.</summary>
    public required int MaxNewTokens { get; init; }
    public required string RunDirectory { get; init; }
    public required MetricsLog Metrics { get; set; }
    public required IExperimentObserver Observer { get; init; }
    public CancellationToken Cancel { get; init; }

    /// <summary>
    /// Before a trainer resumes from step <paramref name="step"/>, drops the metrics lines it logged for
    /// later steps (they will be written again).
    /// </summary>
    public void RewindMetrics(string method, long step)
    {
        string path = Metrics.Path;
        Metrics.Dispose();
        Metrics = MetricsLog.Resume(path, step, method);
    }

    /// <summary>Appends one metrics line for a method's training step.</summary>
    public void Record(string method, long step, IReadOnlyDictionary<string, double> values) =>
        Metrics.Append(new MetricsRecord { Run = Path.GetFileName(RunDirectory), Method = method, Step = step, Values = values });
}
