// The GRPO core (docs/method.md, "The GRPO core"): generic over the prompt type, like TRL's GRPOTrainer it
// knows prompts only through a rollout source and completions only through reward functions.
using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Training;

/// <summary>
/// GRPO: each step draws prompts from the <see cref="IRolloutSource{TPrompt}"/>, samples G completions per
/// prompt with the batched KV-cache generator, scores them with the reward functions (weighted by
/// <see cref="GrpoConfig.Rewards"/>), turns the totals into group-relative advantages, and takes μ clipped
/// policy-gradient updates, with an optional k3 KL to the frozen starting policy. Groups whose rewards are
/// all equal carry no signal: counted, and skipped in the backward pass (unless β &gt; 0, when their KL term
/// still pulls). Log-probabilities are of the distribution the tokens were sampled from (logits / T).
/// It runs on <see cref="TrainingLoop"/>: all randomness comes from the loop's one seeded generator saved in
/// checkpoints, so a killed run resumes to the same result, and a resume whose settings differ (any
/// <see cref="GrpoConfig"/> field, a reward weight, the source's settings such as its data and EAAI schedule,
/// the model) is refused naming them. With LoRA adapters attached only they are trained, and the KL reference is the base model
/// itself (the adapters detached for the reference pass), so no copy is kept. Checkpoints are Hugging Face
/// directories, with <c>tokenizer</c>'s files when one is given.
/// </summary>
public sealed class GrpoTrainer<TPrompt>
{
    private readonly LlamaModel _model;
    private readonly IRolloutSource<TPrompt> _source;
    private readonly IReadOnlyList<IRewardFunction<TPrompt>> _rewards;
    private readonly double[] _weights;
    private readonly GrpoConfig _config;
    private readonly string? _checkpointDir;
    private readonly ITokenizer? _tokenizer;

    /// <summary>The frozen KL reference's directory inside a checkpoint (full-model training with β &gt; 0).</summary>
    private const string ReferenceDirectory = "reference";

    public GrpoTrainer(LlamaModel model, IRolloutSource<TPrompt> source, IReadOnlyList<IRewardFunction<TPrompt>> rewards,
        GrpoConfig config, string? checkpointDir, ITokenizer? tokenizer = null)
    {
        config.Validate();
        _weights = config.WeightsFor(rewards.Select(r => r.Name).ToList());
        _model = model;
        _source = source;
        _rewards = rewards;
        _config = config;
        _checkpointDir = checkpointDir;
        _tokenizer = tokenizer;
    }

    /// <summary>A scored completion: its tokens, each reward function's score and the weighted total.</summary>
    private sealed record Scored(Rollout<TPrompt> Rollout, double[] Scores, double Total);

    /// <summary>
    /// Trains to the configured step count. <paramref name="evaluate"/>, if given, measures held-out
    /// accuracy every <see cref="GrpoConfig.EvalEvery"/> steps (and at the end) for the metrics.
    /// </summary>
    public TrainingSummary Run(Action<GrpoProgress>? report = null, CancellationToken cancel = default, Func<double>? evaluate = null)
    {
        var c = _config;
        var settings = new RunSettings().Add("trainer", "grpo").AddRecord("", c, "rewards");
        for (int j = 0; j < _rewards.Count; j++) settings.Add($"reward.{_rewards[j].Name}_weight", RunSettings.Format(_weights[j]));
        _source.AddSettings(settings);
        bool copyReference = c.Beta > 0 && _model.Adapters == null;
        LlamaModel? reference = null;
        using var loop = new TrainingLoop(_model, _tokenizer, settings, new TrainingLoopOptions
        {
            Steps = c.Steps, UpdatesPerStep = c.Iterations, Optimizer = c.Optimizer, Seed = c.Seed,
            CheckpointDirectory = _checkpointDir, CheckpointEvery = c.CheckpointEvery,
            SaveExtra = copyReference ? dir => reference!.Save(Path.Combine(dir, ReferenceDirectory)) : null,
            LoadExtra = copyReference ? dir => reference = LlamaModel.Load(Path.Combine(dir, ReferenceDirectory), _model.Cpu) : null,
        });
        if (copyReference && reference == null)
        {
            reference = new LlamaModel(_model.Config, _model.Cpu);
            _model.Weights.Span.CopyTo(reference.Weights.Span);
        }
        using var _ = reference;
        using var sampler = new RolloutSampler(_model, _source.StopIds, _source.Decode);
        Activations? acts = null;
        try
        {
            return loop.Run(step =>
            {
                var clock = Stopwatch.StartNew();
                double progress = (double)step / c.Steps;
                var rollouts = Sample(sampler, ref loop.Rng, progress, out var sampled);
                var rewards = rollouts.Select(r => r.Total).ToArray();
                var (advantages, zeroStd) = GrpoMath.Advantages(rewards, c.Generations, c.ScaleRewards);
                var samples = rollouts.Select(r => new PromptCompletion(r.Rollout.PromptIds, r.Rollout.Completion)).ToList();
                long completionTokens = Math.Max(1, samples.Sum(s => (long)s.Completion.Length));

                int longest = samples.Max(s => s.Length);
                if (acts == null || acts.Capacity < Math.Max(longest, c.MaxTokensPerPass))
                {
                    acts?.Dispose();
                    acts = new Activations(_model.Layout, Math.Max(longest, c.MaxTokensPerPass), forTraining: true);
                }
                // Sequences with zero advantage (all of a zero-std group) have no policy gradient; without KL they are skipped.
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
                        _model.Forward(packed.Batch, acts, lp, entropy, temperature: c.Temperature);
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
                        _model.Backward(packed.Batch, acts, coef, loop.Updater.Gradients);
                        loop.Count("tokens_seen", packed.Batch.Count);
                    }
                    (lr, norm) = loop.Updater.Apply(step * c.Iterations + iteration);
                }
                sampler.RefreshWeights();

                double? eval = evaluate != null && c.EvalEvery > 0 && ((step + 1) % c.EvalEvery == 0 || step + 1 == c.Steps) ? evaluate() : null;
                var (mean, std) = MeanStd(rewards);
                report?.Invoke(new GrpoProgress(step + 1, c.Steps, mean, std,
                    _rewards.Select((f, j) => Stats(f.Name, _weights[j], rollouts.Select(r => r.Scores[j]).ToList())).ToList(),
                    (double)zeroStd / (rollouts.Count / c.Generations), (double)sampled.FlatGroups / sampled.Groups,
                    sampled.Groups * c.Generations, sampled.Tokens,
                    c.Beta > 0 ? klSum / Math.Max(1, counted) : null, clipped / Math.Max(1, counted),
                    entropySum / Math.Max(1, counted), samples.Average(s => (double)s.Completion.Length),
                    (sampled.Tokens + c.Iterations * samples.Sum(s => (long)s.Length)) / Math.Max(1e-9, clock.Elapsed.TotalSeconds), lr, norm, eval,
                    _source.Metrics(progress)));
            }, cancel);
        }
        finally
        {
            acts?.Dispose();
        }
    }

    private static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(r => (r - mean) * (r - mean)) / values.Count));
    }

    private static RewardStats Stats(string name, double weight, IReadOnlyList<double> scores)
    {
        var (mean, std) = MeanStd(scores);
        return new RewardStats(name, weight, mean, std);
    }

    /// <summary>What a step's sampling cost: groups drawn (refills included), how many of them were flat, and their tokens.</summary>
    private readonly record struct SamplingCost(int Groups, int FlatGroups, long Tokens);

    /// <summary>
    /// Draws prompts, generates G completions each and scores them. With dynamic sampling, groups whose
    /// rewards are all equal are replaced by fresh prompts, up to MaxResampleRounds times.
    /// </summary>
    private List<Scored> Sample(RolloutSampler sampler, ref SplitMix64 rng, double progress, out SamplingCost cost)
    {
        var c = _config;
        var groups = new List<Scored>[c.PromptsPerStep];
        var todo = Enumerable.Range(0, c.PromptsPerStep).ToList();
        int drawn = 0, flatDrawn = 0;
        long generatedTokens = 0;
        for (int round = 0; todo.Count > 0; round++)
        {
            var prompts = _source.Draw(todo.Count, progress, ref rng);
            var rollouts = sampler.Sample(prompts, _source.Encode, c.Generations, new SamplingOptions
            {
                MaxNewTokens = c.MaxNewTokens, Temperature = c.Temperature, TopP = c.TopP, Seed = rng.NextULong(),
            }, c.PromptsPerStep * c.Generations, spareLength: true);
            var retry = new List<int>();
            for (int k = 0; k < todo.Count; k++)
            {
                var group = rollouts.Skip(k * c.Generations).Take(c.Generations).Select(Score).ToList();
                generatedTokens += group.Sum(r => (long)r.Rollout.Completion.Length);
                groups[todo[k]] = group;
                bool flat = GrpoMath.IsFlat(group.Select(r => r.Total).ToList(), 0, group.Count);
                drawn++;
                flatDrawn += flat ? 1 : 0;
                if (flat && c.DynamicSampling && round < c.MaxResampleRounds) retry.Add(todo[k]);
            }
            todo = retry;
        }
        cost = new SamplingCost(drawn, flatDrawn, generatedTokens);
        return groups.SelectMany(g => g).ToList();
    }

    /// <summary>Every reward function's score and their weighted sum, added in the configured order.</summary>
    private Scored Score(Rollout<TPrompt> rollout)
    {
        using var _ = Profiler.Measure("grpo: scoring");
        var scores = new double[_rewards.Count];
        double total = 0;
        for (int j = 0; j < _rewards.Count; j++)
        {
            scores[j] = _rewards[j].Score(rollout.Prompt, rollout.Text);
            total += _weights[j] * scores[j];
        }
        return new Scored(rollout, scores, total);
    }

    /// <summary>
    /// Log-probabilities of the completions under the KL reference: the frozen copy when training the whole
    /// model, else (<paramref name="copy"/> null: training adapters) the base model with the adapters detached.
    /// </summary>
    private float[][] ReferenceLogprobs(LlamaModel? copy, List<PromptCompletion> samples, List<int> active, Activations acts)
    {
        using var _ = Profiler.Measure("grpo: reference log-probs");
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
