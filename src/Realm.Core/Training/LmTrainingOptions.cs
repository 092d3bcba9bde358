namespace Realm.Training;

/// <summary>Settings of <c>realm train-lm</c>. Every default is documented in docs/training.md.</summary>
public sealed record LmTrainingOptions
{
    /// <summary>Optimizer updates.</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Sequences per update.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>Sequences per forward/backward pass; gradients of BatchSize/MicroBatch passes are accumulated. 0: BatchSize.</summary>
    public int MicroBatch { get; init; }
    /// <summary>Tokens per training sequence.</summary>
    public int SequenceLength { get; init; } = 256;
    public float LearningRate { get; init; } = 1e-3f;
    public int WarmupSteps { get; init; } = 50;
    public DecayShape Decay { get; init; } = DecayShape.Cosine;
    /// <summary>Final learning rate as a fraction of the peak.</summary>
    public float MinLearningRateRatio { get; init; } = 0.1f;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    public double GradClip { get; init; } = 1.0;
    public AdamWOptions Optimizer { get; init; } = new();
    /// <summary>Share of the corpus (its end) held out for evaluation.</summary>
    public double EvalFraction { get; init; } = 0.05;
    [NotASetting("when the held-out loss is measured; it does not change the weights")]
    public int EvalEvery { get; init; } = 100;
    /// <summary>Held-out sequences per evaluation.</summary>
    [NotASetting("how the held-out loss is measured; it does not change the weights")]
    public int EvalSequences { get; init; } = 32;
    [NotASetting("when the run is saved; a resumed run equals an uninterrupted one")]
    public int CheckpointEvery { get; init; } = 200;
    public ulong Seed { get; init; } = 1;

    public int EffectiveMicroBatch => MicroBatch <= 0 ? BatchSize : Math.Min(MicroBatch, BatchSize);

    public void Validate()
    {
        if (Steps < 1) throw new RealmException($"--steps must be at least 1, got {Steps}");
        if (BatchSize < 1) throw new RealmException($"--batch must be at least 1, got {BatchSize}");
        if (SequenceLength < 2) throw new RealmException($"--seq must be at least 2, got {SequenceLength}");
        if (!(LearningRate > 0)) throw new RealmException($"--lr must be positive, got {LearningRate}");
        if (WarmupSteps < 0) throw new RealmException($"--warmup must be ≥ 0, got {WarmupSteps}");
        if (EvalFraction is < 0 or >= 1) throw new RealmException($"--eval-fraction must be in [0, 1), got {EvalFraction}");
        if (EvalEvery < 1 || CheckpointEvery < 1) throw new RealmException("--eval-every and --checkpoint-every must be at least 1");
    }

    /// <summary>The optimiser settings in the form the training loop takes.</summary>
    public OptimizerConfig OptimizerConfig => new()
    {
        LearningRate = LearningRate, WarmupSteps = WarmupSteps, Decay = Decay, MinLearningRateRatio = MinLearningRateRatio,
        GradClip = GradClip, AdamW = Optimizer,
    };
}
