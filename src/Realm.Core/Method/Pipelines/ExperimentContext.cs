using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Model;
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
/// Everything a stage of a comparison run needs: configuration, data, tokenizer, where to write. A single
/// fine-tuning run on a user's dataset (<c>realm sft</c>, <c>realm rl</c>) is a context too, whose
/// configuration sets what its stage reads: seed, answer length, Kmax and the held-out check.
/// </summary>
public sealed class ExperimentContext
{
    public required ExperimentConfig Config { get; init; }
    public required IDomain Domain { get; init; }
    public required IDomain GeneralDomain { get; init; }
    public required ITokenizer Tokenizer { get; init; }

    /// <summary>How prompts and answers become the model's ids: plain (the project's own models) unless set to a chat format.</summary>
    public PromptFormat Format
    {
        get => field ??= PromptFormat.Plain(Tokenizer);
        init;
    }

    public required Cpu Cpu { get; init; }
    public required IReadOnlyList<Problem> General { get; init; }
    public required IReadOnlyList<Problem> Train { get; init; }
    public required IReadOnlyList<Problem> TestId { get; init; }
    public required IReadOnlyList<Problem> TestOod { get; init; }
    public required string RunDirectory { get; init; }
    public required MetricsLog Metrics { get; set; }
    public required IExperimentObserver Observer { get; init; }
    public CancellationToken Cancel { get; init; }

    public string ModelDirectory(string name) => Path.Combine(RunDirectory, "models", Slug(name));
    public string WorkDirectory(string name) => Path.Combine(RunDirectory, "work", Slug(name));

    public static string Slug(string name) => new(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());

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

    public LlamaModel Load(string name) => LlamaModel.Load(ModelDirectory(name), Cpu);
}
