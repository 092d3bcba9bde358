using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Method.Pipelines;

/// <summary>
/// Everything a stage of a comparison run needs beyond what training one model does: the run's
/// configuration, the general domain and its problems, the dev split and the test splits, the CPU to load
/// models on, and where each stage's model and checkpoints live. Its held-out check during training is the
/// first problems of dev, never a test split.
/// </summary>
public sealed class ExperimentContext : TrainingContext
{
    public required ExperimentConfig Config { get; init; }
    public required IDomain GeneralDomain { get; init; }
    public required Cpu Cpu { get; init; }
    public required IReadOnlyList<Problem> General { get; init; }
    /// <summary>Each test split's problems, in <see cref="Realm.Evaluation.EvalSplit.Tests"/> order.</summary>
    public required IReadOnlyList<(string Split, IReadOnlyList<Problem> Problems)> Tests { get; init; }

    public string ModelDirectory(string name) => Path.Combine(RunDirectory, "models", Slug(name));
    public string WorkDirectory(string name) => Path.Combine(RunDirectory, "work", Slug(name));

    public static string Slug(string name) => new(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());

    public LlamaModel Load(string name) => LlamaModel.Load(ModelDirectory(name), Cpu);
}
