using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Training;

/// <summary>Settings of supervised fine-tuning; defaults suit the project's small models.</summary>
public sealed record SftConfig
{
    public int Steps { get; init; } = 200;
    /// <summary>Sequences per optimiser update (drawn with replacement, seeded).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Tokens per forward/backward pass; larger batches are accumulated over several passes.</summary>
    public int MaxTokensPerPass { get; init; } = 16384;
    public OptimizerConfig Optimizer { get; init; } = new();
    [NotASetting("when the run is saved; a resumed run equals an uninterrupted one")]
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>Steps between held-out evaluations (when the caller supplies an evaluator); 0 never.</summary>
    [NotASetting("when held-out accuracy is measured; it does not change the weights")]
    public int EvalEvery { get; init; }
    public ulong Seed { get; init; } = 1;
}

public sealed record SftProgress(long Step, int TotalSteps, double Loss, float LearningRate, double GradNorm, double TokensPerSecond,
    double? EvalAccuracy);

/// <summary>
/// Supervised fine-tuning with the loss on completion tokens only (the prompt is context): the mean
/// next-token cross-entropy over every completion token of the batch. Guided distillation, RFT,
/// CoT-Synthesizer and LLMs-as-Instructor all train through it. Resumable from its checkpoint directory.
/// With LoRA adapters attached to the model only they are trained (<see cref="LlamaModel.Trainable"/>).
/// </summary>
public sealed class SftTrainer
{
    private readonly LlamaModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly IReadOnlyList<PromptCompletion> _examples;
    private readonly SftConfig _config;
    private readonly string? _checkpointDir;

    public SftTrainer(LlamaModel model, ITokenizer tokenizer, IReadOnlyList<PromptCompletion> examples, SftConfig config,
        string? checkpointDir)
    {
        if (examples.Count == 0) throw new RealmException("SFT needs at least one example");
        int longest = examples.Max(e => e.Length);
        if (longest > model.Config.MaxPositionEmbeddings)
            throw new RealmException($"an SFT example has {longest} tokens, more than the model's {model.Config.MaxPositionEmbeddings} positions");
        _model = model;
        _tokenizer = tokenizer;
        _examples = examples;
        _config = config;
        _checkpointDir = checkpointDir;
    }

    /// <summary>
    /// Trains to the configured step count. <paramref name="evaluate"/>, if given, measures held-out
    /// accuracy every <see cref="SftConfig.EvalEvery"/> steps (and at the end) for the metrics.
    /// </summary>
    public TrainingSummary Run(Action<SftProgress>? report = null, CancellationToken cancel = default, Func<double>? evaluate = null)
    {
        var c = _config;
        var settings = new RunSettings().Add("trainer", "sft").AddRecord("", c).Add("data", RunSettings.HashOf(_examples));
        using var loop = new TrainingLoop(_model, _tokenizer, settings, new TrainingLoopOptions
        {
            Steps = c.Steps, Optimizer = c.Optimizer, Seed = c.Seed, CheckpointDirectory = _checkpointDir, CheckpointEvery = c.CheckpointEvery,
        });
        int capacity = Math.Max(c.MaxTokensPerPass, _examples.Max(e => e.Length));
        using var acts = new Activations(_model.Layout, capacity, forTraining: true);
        var clock = Stopwatch.StartNew();
        long clockTokens = 0;

        return loop.Run(step =>
        {
            var batch = new List<PromptCompletion>(c.BatchSize);
            for (int i = 0; i < c.BatchSize; i++) batch.Add(_examples[loop.Rng.NextInt(_examples.Count)]);
            long completionTokens = batch.Sum(e => (long)e.Completion.Length);
            double lossSum = 0;
            foreach (var group in PackedCompletions.Group(batch, c.MaxTokensPerPass))
            {
                var packed = new PackedCompletions(group.Select(i => batch[i]).ToList());
                var lp = new float[packed.Batch.Count];
                _model.Forward(packed.Batch, acts, lp);
                var coef = new float[lp.Length];
                for (int s = 0; s < packed.Samples.Count; s++)
                    for (int t = 0; t < packed.Samples[s].Completion.Length; t++)
                    {
                        int row = packed.CompletionStart[s] + t;
                        coef[row] = -1f / completionTokens;
                        lossSum -= lp[row];
                    }
                _model.Backward(packed.Batch, acts, coef, loop.Updater.Gradients);
                loop.Count("tokens_seen", packed.Batch.Count);
                clockTokens += packed.Batch.Count;
            }
            var (lr, norm) = loop.Updater.Apply(step);
            double? eval = evaluate != null && c.EvalEvery > 0 && ((step + 1) % c.EvalEvery == 0 || step + 1 == c.Steps) ? evaluate() : null;
            report?.Invoke(new SftProgress(step + 1, c.Steps, lossSum / Math.Max(1, completionTokens), lr, norm,
                clockTokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds), eval));
        }, cancel);
    }
}
