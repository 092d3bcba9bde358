using Realm.Evaluation;
using Realm.Engine.Model;
using Realm.Method.Rewards;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>Runs the trainers for a method, reporting each step to the observer and the metrics log.</summary>
public static class TrainingRuns
{
    /// <summary>Held-out accuracy (greedy, no routes) on a fixed slice of the ID test, logged as eval_acc about eight times a stage.</summary>
    private static double QuickEval(ExperimentContext ctx, LlamaModel model) =>
        ModelEvaluator.AccuracyWithoutRoutes(model, ctx.Format, ctx.Domain, ctx.TestId.Take(ctx.Config.QuickEvalProblems).ToList(),
            ctx.Config.MaxNewTokens);

    private static int EvalEvery(ExperimentContext ctx, int steps) =>
        ctx.Config.QuickEvalProblems > 0 && ctx.TestId.Count > 0 ? Math.Max(1, steps / 8) : 0;

    private static string HeldOut(double? accuracy) => accuracy is double a ? $", held-out {a:P0}" : "";

    public static void Sft(ExperimentContext ctx, string method, LlamaModel model, IReadOnlyList<PromptCompletion> examples,
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
            };
            if (p.EvalAccuracy is double e) values["eval_acc"] = e;
            ctx.Record(method, p.Step, values);
        }, ctx.Cancel, () => QuickEval(ctx, model));
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }

    /// <summary>
    /// GRPO on the training problems, prompted by <paramref name="policy"/> and rewarded by the reward plug-ins
    /// <paramref name="config"/> weights (<see cref="GrpoConfig.Rewards"/>). Each reward's mean and std are
    /// logged as rewards/NAME/mean and rewards/NAME/std.
    /// </summary>
    public static void Grpo(ExperimentContext ctx, string method, LlamaModel model, IPromptPolicy policy, GrpoConfig config, string checkpointDir)
    {
        ctx.Observer.StageStarted($"{method}: RL", config.Steps);
        ctx.RewindMetrics(method, TrainingCheckpoint.StepOf(checkpointDir));
        config = config with { EvalEvery = EvalEvery(ctx, config.Steps) };
        var source = new ProblemPromptSource(ctx.Format, ctx.Domain, ctx.Train, policy);
        var trainer = new GrpoTrainer<ProblemPrompt>(model, source, RewardPlugins.For(config.Rewards), config, checkpointDir, ctx.Tokenizer);
        var summary = trainer.Run(p =>
        {
            string alpha = p.SourceMetrics.TryGetValue("eaai_alpha", out double a) ? $", α {a:F2}" : "";
            ctx.Observer.StageProgress((int)p.Step,
                $"reward {p.RewardMean:F2}, acc {p.RewardMeanOf("answer") ?? 0:P0}{alpha}, {p.TokensPerSecond:N0} tok/s{HeldOut(p.EvalAccuracy)}");
            ctx.Record(method, p.Step, GrpoMetrics(p));
        }, ctx.Cancel, () => QuickEval(ctx, model));
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }

    /// <summary>A GRPO step's metrics line, with TRL's names where it has them.</summary>
    public static Dictionary<string, double> GrpoMetrics(GrpoProgress p)
    {
        var values = new Dictionary<string, double>
        {
            ["reward_mean"] = p.RewardMean, ["reward_std"] = p.RewardStd, ["frac_zero_std"] = p.FracZeroStd,
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
