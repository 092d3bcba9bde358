using Realm.Engine.Model;

namespace Realm.Method.Pipelines;

/// <summary>
/// One row of the comparison table: a way to train the student, starting from the base model or from
/// the shared guided-distillation (SFT) checkpoint, within the run's per-method budget.
/// </summary>
public interface ITrainingMethod
{
    /// <summary>The name in results.json, e.g. "ReaLM-R1".</summary>
    string Name { get; }
    /// <summary>"Base" or "SFT": the checkpoint the method starts from.</summary>
    string StartsFrom { get; }
    /// <summary>Trains <paramref name="model"/> in place; checkpoints under <paramref name="workDirectory"/> so a killed run resumes.</summary>
    void Train(ExperimentContext context, LlamaModel model, string workDirectory);
}
