using Realm.Evaluation;
using Realm.Engine.Model;
using Realm.Method.Rewards;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// Runs the trainers for a method, reporting each step to the observer and the metrics log. Every step's
/// line also carries what it spent (sequences, updates, trained and generated tokens), so a method's
/// budget is the sum of its lines (<see cref="Spent"/>) and stays right across a resume.
/// </summary>
public static class TrainingRuns
{
    /// <summary>Held-out accuracy (greedy, no routes) on a fixed slice of the held-out problems, logged as eval_acc about eight times a stage.</summary>
    private static double QuickEval(TrainingContext ctx, LlamaModel model) =>
        ModelEvaluator.AccuracyWithoutRoutes(model, ctx.Format, ctx.Domain, ctx.HeldOut.Take(ctx.HeldOutProblems).ToList(), ctx.MaxNewTokens);

    private static int EvalEvery(TrainingContext ctx, int steps) =>
        ctx.HeldOutProblems > 0 && ctx.HeldOut.Count > 0 ? Math.Max(1, steps / 8) : 0;

    private static string HeldOut(double? accuracy) => accuracy is double a ? $", held-out {a:P0}" : "";

    public static void Sft(TrainingContext ctx, string method, LlamaModel model, IReadOnlyList<PromptCompletion> examples,
        SftConfig config, string checkpointDir)
    {
        ctx.Observer.StageStarted($"{method}: SFT on {examples.Count:N0} examples", config.Steps);
        ctx.RewindMetrics(method, TrainingCheckpoint.StepOf(checkpointDir));
        config = config with { EvalEvery = EvalEvery(ctx, config.Steps) };
        var summary = new SftTrainer(model, ctx.Tokenizer, examples, config, checkpointDir).Run(p =>
        {
            ctx.Observer.StageProgress((int)p.Step, $"loss {p.Loss:F3}, {p.TokensPerSecond:N0} tok/s{HeldOut(p.EvalAccuracy)}");
            var values = new Dictionary<string, double>
            {
                ["loss"] = p.Loss, ["lr"] = p.LearningRate, ["grad_norm"] = p.GradNorm, ["tokens_per_s"] = p.TokensPerSecond,
                [SequencesKey] = config.BatchSize, [UpdatesKey] = 1, [TrainedTokensKey] = p.CompletionTokens,
            };
            if (p.EvalAccuracy is double e) values["eval_acc"] = e;
            ctx.Record(method, p.Step, values);
        }, ctx.Cancel, () => QuickEval(ctx, model));
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }

    /// <summary>
    /// GRPO on the training problems, prompted by <paramref name="policy"/> and rewarded by the reward plug-ins
    /// <paramref name="config"/> weights (<see cref="GrpoConfig.Rewards"/>). Each reward's mean and std are
    /// logged as rewards/NAME/mean and rewards/NAME/std, and the step's budget (sequences, updates, tokens).
    /// </summary>
    public static void Grpo(TrainingContext ctx, string method, LlamaModel model, IPromptPolicy policy, GrpoConfig config, string checkpointDir)
    {
        ctx.Observer.StageStarted($"{method}: RL", config.Steps);
        ctx.RewindMetrics(method, TrainingCheckpoint.StepOf(checkpointDir));
        config = config with { EvalEvery = EvalEvery(ctx, config.Steps) };
        int sequences = config.PromptsPerStep * config.Generations;
        var source = new ProblemPromptSource(ctx.Format, ctx.Domain, ctx.Train, policy);
        var trainer = new GrpoTrainer<ProblemPrompt>(model, source, RewardPlugins.For(config.Rewards), config, checkpointDir, ctx.Tokenizer);
        var summary = trainer.Run(p =>
        {
            string alpha = p.SourceMetrics.TryGetValue("eaai_alpha", out double a) ? $", α {a:F2}" : "";
            ctx.Observer.StageProgress((int)p.Step,
                $"reward {p.RewardMean:F2}, acc {p.RewardMeanOf("answer") ?? 0:P0}{alpha}, {p.TokensPerSecond:N0} tok/s{HeldOut(p.EvalAccuracy)}");
            var values = GrpoMetrics(p);
            // The trained batch's completions, trained on by each of the μ updates; every sampled token counts
            // as generated, the groups dynamic sampling replaced included.
            double completionTokens = Math.Round(p.MeanCompletionTokens * sequences);
            values[SequencesKey] = sequences;
            values[UpdatesKey] = config.Iterations;
            values[GeneratedTokensKey] = p.GeneratedTokens;
            values[TrainedTokensKey] = completionTokens * config.Iterations;
            ctx.Record(method, p.Step, values);
        }, ctx.Cancel, () => QuickEval(ctx, model));
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }

    /// <summary>
    /// Records tokens a method sampled outside a trainer (RFT's answers, the instructor's probes) as one line
    /// under <paramref name="label"/>, replacing the line of an earlier, interrupted attempt.
    /// </summary>
    public static void RecordGenerated(TrainingContext ctx, string label, long tokens)
    {
        ctx.RewindMetrics(label, -1);
        ctx.Record(label, 0, new Dictionary<string, double> { [GeneratedTokensKey] = tokens });
    }

    /// <summary>What the metrics lines accepted by <paramref name="owns"/> spent, summed.</summary>
    public static MethodBudget Spent(IEnumerable<MetricsRecord> records, Func<string, bool> owns)
    {
        long Sum(IEnumerable<MetricsRecord> lines, string key) => (long)Math.Round(lines.Sum(r => r.Value(key) ?? 0));
        var mine = records.Where(r => owns(r.Method)).ToList();
        return new MethodBudget
        {
            Sequences = Sum(mine, SequencesKey), OptimizerUpdates = Sum(mine, UpdatesKey),
            GeneratedTokens = Sum(mine, GeneratedTokensKey), TrainedTokens = Sum(mine, TrainedTokensKey),
        };
    }

    private const string SequencesKey = "sequences", UpdatesKey = "updates", GeneratedTokensKey = "generated_tokens", TrainedTokensKey = "trained_tokens";

    /// <summary>A GRPO step's metrics line, with TRL's names where it has them.</summary>
    public static Dictionary<string, double> GrpoMetrics(GrpoProgress p)
    {
        var values = new Dictionary<string, double>
        {
            ["reward_mean"] = p.RewardMean, ["reward_std"] = p.RewardStd, ["frac_zero_std"] = p.FracZeroStd,
            ["frac_zero_std_raw"] = p.FracZeroStdRaw, ["rollouts"] = p.Rollouts,
            ["clip_frac"] = p.ClipFraction, ["entropy"] = p.Entropy, ["completion_tokens"] = p.MeanCompletionTokens,
            ["tokens_per_s"] = p.TokensPerSecond, ["lr"] = p.LearningRate, ["grad_norm"] = p.GradNorm,
        };
        foreach (var r in p.Rewards)
        {
            values[$"rewards/{r.Name}/mean"] = r.Mean;
            values[$"rewards/{r.Name}/std"] = r.Std;
        }
        foreach (var (name, value) in p.SourceMetrics) values[name] = value;
        if (p.Kl is double kl) values["kl"] = kl;
        if (p.EvalAccuracy is double e) values["eval_acc"] = e;
        return values;
    }
}
