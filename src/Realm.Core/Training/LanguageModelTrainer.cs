using System.Diagnostics;
using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Training;

/// <summary>One report per optimizer step (evaluation and checkpoint fields are set on the steps they happen).</summary>
public sealed record TrainingProgress(long Step, int TotalSteps, double Loss, float LearningRate, double GradNorm,
    double TokensPerSecond, double? EvalLoss, bool Checkpointed, bool Resumed);

/// <summary>
/// Next-token training on a text corpus (<c>realm train-lm</c>): random windows of the training stream,
/// AdamW with warm-up and decay, gradient clipping, periodic held-out loss and resumable checkpoints in
/// <c>outDir/checkpoint</c>. Given the same seed and thread count, a resumed run reproduces an
/// uninterrupted one exactly.
/// </summary>
public sealed class LanguageModelTrainer
{
    private readonly LlamaModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly LmTrainingOptions _options;
    private readonly string _outDir;
    private readonly int[] _train, _eval;

    public LanguageModelTrainer(LlamaModel model, ITokenizer tokenizer, TextCorpus corpus, LmTrainingOptions options, string outDir)
    {
        options.Validate();
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new RealmException($"tokenizer has {tokenizer.VocabSize} ids but the model's vocab_size is {model.Config.VocabSize}");
        if (options.SequenceLength > model.Config.MaxPositionEmbeddings)
            throw new RealmException($"--seq {options.SequenceLength} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _outDir = outDir;
        int evalTokens = (int)(corpus.Tokens.Length * options.EvalFraction);
        if (evalTokens > 0 && evalTokens < options.SequenceLength + 1) evalTokens = 0;
        _train = corpus.Tokens[..^evalTokens];
        _eval = corpus.Tokens[^evalTokens..];
        if (_train.Length < options.SequenceLength + 1)
            throw new RealmException($"the training text has {_train.Length} tokens, fewer than one sequence of {options.SequenceLength + 1}");
    }

    public string CheckpointDirectory => Path.Combine(_outDir, "checkpoint");

    /// <summary>
    /// Trains to the configured step count (resuming from the checkpoint if there is one) and saves the
    /// model to outDir (with LoRA adapters attached: only them, as a PEFT adapter directory). When <paramref name="cancel"/> fires it saves a checkpoint of the steps done so
    /// far, then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public TrainingSummary Run(Action<TrainingProgress>? report = null, CancellationToken cancel = default)
    {
        var o = _options;
        var settings = new RunSettings().Add("trainer", "train-lm").AddRecord("", o)
            .Add("data", RunSettings.HashOf<int>([.. _train, .. _eval]));
        using var loop = new TrainingLoop(_model, _tokenizer, settings, new TrainingLoopOptions
        {
            Steps = o.Steps, Optimizer = o.OptimizerConfig, Seed = o.Seed, CheckpointDirectory = CheckpointDirectory, CheckpointEvery = o.CheckpointEvery,
        });
        int micro = o.EffectiveMicroBatch;
        using var acts = new Activations(_model.Layout, micro * o.SequenceLength, forTraining: true);
        var clock = Stopwatch.StartNew();
        long clockTokens = 0;

        var summary = loop.Run(step =>
        {
            double lossSum = 0;
            int counted = 0;
            for (int done = 0; done < o.BatchSize; done += micro)
            {
                int sequences = Math.Min(micro, o.BatchSize - done);
                var batch = SampleBatch(ref loop.Rng, sequences);
                var lp = new float[batch.Count];
                _model.Forward(batch, acts, lp);
                var coef = new float[batch.Count];
                Array.Fill(coef, -1f / (o.BatchSize * o.SequenceLength));
                _model.Backward(batch, acts, coef, loop.Updater.Gradients);
                foreach (float x in lp) lossSum -= x;
                counted += lp.Length;
            }
            var (lr, norm) = loop.Updater.Apply(step);
            loop.Count(TokensSeen, counted);
            clockTokens += counted;

            long done1 = step + 1;
            double? eval = null;
            if (_eval.Length > 0 && (done1 % o.EvalEvery == 0 || done1 == o.Steps))
            {
                eval = EvaluateLoss();
                loop.Values[EvalLoss] = eval.Value;
            }
            report?.Invoke(new TrainingProgress(done1, o.Steps, lossSum / counted, lr, norm,
                clockTokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds), eval, loop.IsCheckpointStep(done1), loop.Resumed && step == loop.StartStep));
        }, cancel);
        if (_model.Adapters is { } adapters) adapters.Save(_outDir);
        else _model.Save(_outDir);
        _tokenizer.Save(_outDir);
        return summary with { LastEvalLoss = loop.Values.TryGetValue(EvalLoss, out double last) ? last : null };
    }

    private const string TokensSeen = "tokens_seen", EvalLoss = "eval_loss";

    private TokenBatch SampleBatch(ref SplitMix64 rng, int sequences)
    {
        int t = _options.SequenceLength;
        var tokens = new int[sequences * t];
        var targets = new int[sequences * t];
        for (int s = 0; s < sequences; s++)
        {
            int start = rng.NextInt(_train.Length - t);
            Array.Copy(_train, start, tokens, s * t, t);
            Array.Copy(_train, start + 1, targets, s * t, t);
        }
        return new TokenBatch(tokens, targets, Enumerable.Repeat(t, sequences).ToArray());
    }

    /// <summary>Mean next-token loss on fixed, evenly spaced held-out windows.</summary>
    public double EvaluateLoss()
    {
        int t = Math.Min(_options.SequenceLength, _eval.Length - 1);
        int windows = Math.Max(1, Math.Min(_options.EvalSequences, (_eval.Length - 1) / t));
        int perPass = _options.EffectiveMicroBatch;
        using var acts = new Activations(_model.Layout, perPass * t, forTraining: false);
        double sum = 0;
        long count = 0;
        for (int w0 = 0; w0 < windows; w0 += perPass)
        {
            int n = Math.Min(perPass, windows - w0);
            var tokens = new int[n * t];
            var targets = new int[n * t];
            for (int s = 0; s < n; s++)
            {
                int start = (int)((long)(w0 + s) * (_eval.Length - 1 - t) / Math.Max(1, windows - 1));
                Array.Copy(_eval, start, tokens, s * t, t);
                Array.Copy(_eval, start + 1, targets, s * t, t);
            }
            var batch = new TokenBatch(tokens, targets, Enumerable.Repeat(t, n).ToArray());
            var lp = new float[batch.Count];
            _model.Forward(batch, acts, lp);
            foreach (float x in lp) sum -= x;
            count += lp.Length;
        }
        return sum / count;
    }
}
