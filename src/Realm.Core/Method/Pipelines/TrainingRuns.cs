using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>Runs the trainers for a method, reporting each step to the observer and the metrics log.</summary>
internal static class TrainingRuns
{
    public static void Sft(ExperimentContext ctx, string method, LlamaModel model, IReadOnlyList<PromptCompletion> examples,
        int steps, string checkpointDir, ulong seed, bool fromScratch = false)
    {
        ctx.Observer.StageStarted($"{method}: SFT on {examples.Count:N0} examples", steps);
        ctx.RewindMetrics(method, TrainingCheckpoint.StepOf(checkpointDir));
        var summary = new SftTrainer(model, ctx.Tokenizer, examples, ctx.Config.Sft(steps, seed, fromScratch), checkpointDir).Run(p =>
        {
            ctx.Observer.StageProgress((int)p.Step, $"loss {p.Loss:F3}, {p.TokensPerSecond:N0} tok/s");
            ctx.Record(method, p.Step, new Dictionary<string, double>
            {
                ["loss"] = p.Loss, ["lr"] = p.LearningRate, ["grad_norm"] = p.GradNorm, ["tokens_per_s"] = p.TokensPerSecond,
            });
        }, ctx.Cancel);
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }

    public static void Grpo(ExperimentContext ctx, string method, LlamaModel model, IPromptPolicy policy, IRewardFunction reward,
        GrpoConfig config, string checkpointDir)
    {
        ctx.Observer.StageStarted($"{method}: RL", config.Steps);
        ctx.RewindMetrics(method, TrainingCheckpoint.StepOf(checkpointDir));
        var summary = new GrpoTrainer(model, ctx.Tokenizer, ctx.Domain, ctx.Train, policy, reward, config, checkpointDir).Run(p =>
        {
            ctx.Observer.StageProgress((int)p.Step, $"reward {p.RewardMean:F2}, acc {p.AnswerAccuracy:P0}, α {p.Strength:F2}, {p.TokensPerSecond:N0} tok/s");
            var values = new Dictionary<string, double>
            {
                ["reward_mean"] = p.RewardMean, ["reward_std"] = p.RewardStd, ["answer_acc"] = p.AnswerAccuracy,
                ["verification"] = p.VerificationMean, ["format"] = p.FormatRate, ["frac_zero_std"] = p.FracZeroStd,
                ["clip_frac"] = p.ClipFraction, ["entropy"] = p.Entropy, ["eaai_alpha"] = p.Strength,
                ["completion_tokens"] = p.MeanCompletionTokens, ["tokens_per_s"] = p.TokensPerSecond, ["lr"] = p.LearningRate,
                ["grad_norm"] = p.GradNorm,
            };
            if (p.Kl is double kl) values["kl"] = kl;
            ctx.Record(method, p.Step, values);
        }, ctx.Cancel);
        ctx.Observer.StageFinished(summary.Resumed ? $"resumed at step {summary.StartStep}" : "done");
    }
}
