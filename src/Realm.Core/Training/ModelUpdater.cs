using System.Text.Json.Serialization;
using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Training;

/// <summary>Optimiser settings shared by the trainers (SFT, GRPO, LM).</summary>
public sealed record OptimizerConfig
{
    public float LearningRate { get; init; } = 1e-3f;
    public int WarmupSteps { get; init; } = 10;
    public DecayShape Decay { get; init; } = DecayShape.Cosine;
    public float MinLearningRateRatio { get; init; } = 0.1f;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    public double GradClip { get; init; } = 1.0;
    [JsonPropertyName("adamw")] public AdamWOptions AdamW { get; init; } = new();
}

/// <summary>
/// One optimiser update from accumulated gradients: clip the global norm, take the scheduled rate, AdamW.
/// It updates the model's <see cref="LlamaModel.Trainable"/> parameters as they are when it is made: every
/// weight, or only the LoRA adapters when adapters are attached (no gradients or moments for frozen
/// weights). Owns the gradients and the moments, which checkpoints save and restore.
/// </summary>
public sealed class ModelUpdater : IDisposable
{
    private readonly Cpu _cpu;
    private readonly LearningRateSchedule _schedule;
    private readonly double _clip;

    public AdamW Optimizer { get; }
    public NativeBuffer Gradients { get; }

    public ModelUpdater(LlamaModel model, OptimizerConfig config, int totalSteps)
    {
        _cpu = model.Cpu;
        _schedule = new LearningRateSchedule(config.LearningRate, config.WarmupSteps, totalSteps, config.Decay, config.MinLearningRateRatio);
        _clip = config.GradClip;
        var trainable = model.Trainable;
        Optimizer = new AdamW(trainable, config.AdamW);
        Gradients = new NativeBuffer(trainable.Total);
    }

    /// <summary>Applies the gradients accumulated in <see cref="Gradients"/> as update number <paramref name="step"/> (0-based), then clears them.</summary>
    public (float LearningRate, double GradNorm) Apply(long step)
    {
        double norm = GradientClipping.Clip(_cpu, Gradients, _clip);
        float lr = _schedule.At(step);
        Optimizer.Update(_cpu, Gradients, lr);
        Gradients.Clear();
        return (lr, norm);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Gradients.Dispose();
    }
}
