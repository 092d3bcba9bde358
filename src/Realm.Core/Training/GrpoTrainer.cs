using System.Diagnostics;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.IO;
using Realm.Engine.Model;
using Realm.Method;

namespace Realm.Training;

/// <summary>Per-step statistics of a GRPO run (what the metrics log and plots show).</summary>
public sealed record GrpoProgress(long Step, int TotalSteps, double RewardMean, double RewardStd, double AnswerAccuracy,
    double VerificationMean, double FormatRate, double FracZeroStd, double? Kl, double ClipFraction, double Entropy,
    double Strength, double MeanCompletionTokens, double TokensPerSecond, float LearningRate, double GradNorm, double? EvalAccuracy);

/// <summary>
/// GRPO (spec §1.2): each step samples prompts from the problems through a prompt policy (plain, or MRPV
/// with EAAI fading) in the model's prompt format, generates G completions per prompt with the batched KV-cache generator, scores
/// them with a reward plug-in, turns rewards into group-relative advantages, and takes μ clipped
/// policy-gradient updates, with an optional k3 KL to the frozen starting policy. All randomness comes
/// from one seeded generator saved in checkpoints, so a killed run resumes to the same result. With LoRA
/// adapters attached to the model only they are trained, and the KL reference is the base model itself
/// (the adapters detached for the reference pass), so no copy is kept.
/// </summary>
public sealed class GrpoTrainer
{
    private readonly LlamaModel _model;
    private readonly PromptFormat _format;
    private readonly IDomain _domain;
    private readonly IReadOnlyList<Problem> _problems;
    private readonly IPromptPolicy _policy;
    private readonly IRewardFunction _reward;
    private readonly GrpoConfig _config;
    private readonly string? _checkpointDir;

    private const string ReferenceDirectory = "reference";

    public GrpoTrainer(LlamaModel model, PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems,
        IPromptPolicy policy, IRewardFunction reward, GrpoConfig config, string? checkpointDir)
    {
        config.Validate();
        if (problems.Count == 0) throw new RealmException("GRPO needs at least one problem");
        _model = model;
        _format = format;
        _domain = domain;
        _problems = problems;
        _policy = policy;
        _reward = reward;
        _config = config;
        _checkpointDir = checkpointDir;
    }

    private sealed record Rollout(Problem Problem, MrpvPrompt Prompt, int[] PromptIds, int[] Completion, RewardBreakdown Reward);

    /// <summary>
    /// Trains to the configured step count. <paramref name="evaluate"/>, if given, measures held-out
    /// accuracy every <see cref="GrpoConfig.EvalEvery"/> steps (and at the end) for the metrics.
    /// </summary>
    public TrainingSummary Run(Action<GrpoProgress>? report = null, CancellationToken cancel = default, Func<double>? evaluate = null)
    {
        var c = _config;
        using var updater = new ModelUpdater(_model, c.Optimizer, c.Steps * c.Iterations);
        var state = new TrainerState { DataRngState = c.Seed, Fingerprint = c.Fingerprint };
        bool copyReference = c.Beta > 0 && _model.Adapters == null;
        LlamaModel? reference = null;
        if (_checkpointDir != null && TrainingCheckpoint.Exists(_checkpointDir))
        {
            state = TrainingCheckpoint.Load(_checkpointDir, _model, updater.Optimizer);
            if (state.Fingerprint != c.Fingerprint)
                throw new RealmException($"{_checkpointDir}: checkpoint was made with {state.Fingerprint}, this run uses {c.Fingerprint}");
            if (copyReference) reference = LlamaModel.Load(Path.Combine(_checkpointDir, ReferenceDirectory), _model.Cpu);
        }
        else if (copyReference)
        {
            reference = new LlamaModel(_model.Config, _model.Cpu);
            _model.Weights.Span.CopyTo(reference.Weights.Span);
        }
        using var _ = reference;

        var rng = new SplitMix64(state.DataRngState);
        long lastSaved = state.Step, tokensSeen = state.TokensSeen;
        Generator? generator = null;
        Activations? acts = null;
        try
        {
            for (long step = state.Step; step < c.Steps; step++)
            {
                if (cancel.IsCancellationRequested)
                {
                    if (step > lastSaved) Save(step);
                    cancel.ThrowIfCancellationRequested();
                }
                var clock = Stopwatch.StartNew();
                double progress = (double)step / c.Steps;
                var rollouts = Sample(ref rng, progress, ref generator, out long generated);
                var rewards = rollouts.Select(r => r.Reward.Total).ToArray();
                var (advantages, zeroStd) = GrpoMath.Advantages(rewards, c.Generations, c.ScaleRewards);
                var samples = rollouts.Select(r => new PromptCompletion(r.PromptIds, r.Completion)).ToList();
                long completionTokens = Math.Max(1, samples.Sum(s => (long)s.Completion.Length));

                int longest = samples.Max(s => s.Length);
                if (acts == null || acts.Capacity < Math.Max(longest, c.MaxTokensPerPass))
                {
                    acts?.Dispose();
                    acts = new Activations(_model.Layout, Math.Max(longest, c.MaxTokensPerPass), forTraining: true);
                }
                // Sequences with zero advantage have no policy gradient; without KL they are skipped.
                var active = Enumerable.Range(0, samples.Count).Where(i => c.Beta > 0 || advantages[i] != 0).ToList();
                var oldLogprobs = new float[samples.Count][];
                var refLogprobs = c.Beta > 0 ? ReferenceLogprobs(reference, samples, active, acts) : null;
                double clipped = 0, klSum = 0, entropySum = 0, counted = 0;
                float lr = 0;
                double norm = 0;
                for (int iteration = 0; iteration < c.Iterations; iteration++)
                {
                    foreach (var group in PackedCompletions.Group(active.Select(i => samples[i]).ToList(), c.MaxTokensPerPass))
                    {
                        var ids = group.Select(g => active[g]).ToList();
                        var packed = new PackedCompletions(ids.Select(i => samples[i]).ToList());
                        var lp = new float[packed.Batch.Count];
                        var entropy = new float[packed.Batch.Count];
                        _model.Forward(packed.Batch, acts, lp, entropy, temperature: _config.Temperature);
                        var coef = new float[lp.Length];
                        for (int s = 0; s < ids.Count; s++)
                        {
                            int sample = ids[s], n = samples[sample].Completion.Length, row0 = packed.CompletionStart[s];
                            if (iteration == 0) oldLogprobs[sample] = lp.AsSpan(row0, n).ToArray();
                            for (int t = 0; t < n; t++)
                            {
                                var (k, clip, kl) = GrpoMath.TokenCoefficient(advantages[sample], lp[row0 + t], oldLogprobs[sample][t],
                                    refLogprobs?[sample][t], c.Epsilon, c.UpperEpsilon, c.Beta, completionTokens);
                                coef[row0 + t] = k;
                                if (iteration == c.Iterations - 1)
                                {
                                    clipped += clip ? 1 : 0;
                                    klSum += kl;
                                    entropySum += entropy[row0 + t];
                                    counted++;
                                }
                            }
                        }
                        _model.Backward(packed.Batch, acts, coef, updater.Gradients);
                        tokensSeen += packed.Batch.Count;
                    }
                    (lr, norm) = updater.Apply(step * c.Iterations + iteration);
                }
                generator!.RefreshWeights();

                double mean = rewards.Average();
                double? eval = evaluate != null && c.EvalEvery > 0 && ((step + 1) % c.EvalEvery == 0 || step + 1 == c.Steps) ? evaluate() : null;
                report?.Invoke(new GrpoProgress(step + 1, c.Steps, mean,
                    Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / rewards.Length),
                    rollouts.Average(r => r.Reward.Answer), rollouts.Average(r => r.Reward.Verification),
                    rollouts.Average(r => r.Reward.Format), (double)zeroStd / (rollouts.Count / c.Generations),
                    c.Beta > 0 ? klSum / Math.Max(1, counted) : null, clipped / Math.Max(1, counted),
                    entropySum / Math.Max(1, counted), _policy.Strength(progress),
                    samples.Average(s => (double)s.Completion.Length),
                    (generated + c.Iterations * samples.Sum(s => (long)s.Length)) / Math.Max(1e-9, clock.Elapsed.TotalSeconds), lr, norm, eval));
                // After the report: a checkpoint at this step means its metrics line is written, so a resumed run misses none.
                if ((step + 1) % c.CheckpointEvery == 0 || step + 1 == c.Steps) Save(step + 1);
            }
        }
        finally
        {
            generator?.Dispose();
            acts?.Dispose();
        }
        return new TrainingSummary(state.Step, c.Steps, null);

        void Save(long done)
        {
            if (_checkpointDir == null) return;
            TrainingCheckpoint.Save(_checkpointDir, _model, updater.Optimizer, _format.Tokenizer,
                new TrainerState { Step = done, DataRngState = rng.State, TokensSeen = tokensSeen, Fingerprint = c.Fingerprint },
                reference == null ? null : dir => reference.Save(Path.Combine(dir, ReferenceDirectory)));
            lastSaved = done;
        }
    }

    /// <summary>
    /// Draws prompts, generates G completions each and scores them. With dynamic sampling, groups whose
    /// rewards are all equal are replaced by fresh prompts, up to MaxResampleRounds times.
    /// </summary>
    private List<Rollout> Sample(ref SplitMix64 rng, double progress, ref Generator? generator, out long generatedTokens)
    {
        var c = _config;
        var groups = new List<Rollout>[c.PromptsPerStep];
        var todo = Enumerable.Range(0, c.PromptsPerStep).ToList();
        generatedTokens = 0;
        for (int round = 0; todo.Count > 0; round++)
        {
            var problems = new List<Problem>(todo.Count);
            for (int k = 0; k < todo.Count; k++) problems.Add(_problems[rng.NextInt(_problems.Count)]);
            var prompts = new List<MrpvPrompt>(problems.Count);
            foreach (var p in problems) prompts.Add(_policy.Build(p, progress, ref rng));
            var promptIds = prompts.Select(_format.EncodePrompt).ToList();
            int longest = promptIds.Max(p => p.Length) + c.MaxNewTokens;
            if (generator == null || generator.MaxLength < longest)
            {
                generator?.Dispose();
                generator = new Generator(_model, c.PromptsPerStep * c.Generations, Math.Max(longest, 2 * longest - c.MaxNewTokens));
            }
            var inputs = promptIds.SelectMany(p => Enumerable.Repeat(p, c.Generations)).ToList();
            var completions = generator.Generate(inputs, new SamplingOptions
            {
                MaxNewTokens = c.MaxNewTokens, Temperature = c.Temperature, TopP = c.TopP, Seed = rng.NextULong(),
                StopTokens = _format.StopIds,
            });
            var retry = new List<int>();
            for (int k = 0; k < todo.Count; k++)
            {
                var group = new List<Rollout>(c.Generations);
                for (int g = 0; g < c.Generations; g++)
                {
                    var tokens = completions[k * c.Generations + g].Tokens;
                    generatedTokens += tokens.Length;
                    string text = _format.DecodeCompletion(tokens);
                    group.Add(new Rollout(problems[k], prompts[k], promptIds[k], tokens, _reward.Score(_domain, problems[k], prompts[k], text)));
                }
                groups[todo[k]] = group;
                bool flat = GrpoMath.IsFlat(group.Select(r => r.Reward.Total).ToList(), 0, group.Count);
                if (flat && c.DynamicSampling && round < c.MaxResampleRounds) retry.Add(todo[k]);
            }
            todo = retry;
        }
        return groups.SelectMany(g => g).ToList();
    }

    /// <summary>
    /// Log-probabilities of the completions under the KL reference: the frozen copy when training the whole
    /// model, else (<paramref name="copy"/> null: training adapters) the base model with the adapters detached.
    /// </summary>
    private float[][] ReferenceLogprobs(LlamaModel? copy, List<PromptCompletion> samples, List<int> active, Activations acts)
    {
        var adapters = _model.Adapters;
        var reference = copy ?? _model;
        if (copy == null) _model.Adapters = null;
        try
        {
            var result = new float[samples.Count][];
            foreach (var group in PackedCompletions.Group(active.Select(i => samples[i]).ToList(), _config.MaxTokensPerPass))
            {
                var ids = group.Select(g => active[g]).ToList();
                var packed = new PackedCompletions(ids.Select(i => samples[i]).ToList());
                var lp = new float[packed.Batch.Count];
                reference.Forward(packed.Batch, acts, lp, temperature: _config.Temperature);
                for (int s = 0; s < ids.Count; s++)
                    result[ids[s]] = lp.AsSpan(packed.CompletionStart[s], samples[ids[s]].Completion.Length).ToArray();
            }
            return result;
        }
        finally
        {
            if (copy == null) _model.Adapters = adapters;
        }
    }
}
