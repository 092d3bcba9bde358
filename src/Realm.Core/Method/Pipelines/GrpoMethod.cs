using Realm.Engine.Model;
using Realm.Method.Rewards;

namespace Realm.Method.Pipelines;

/// <summary>Plain GRPO: RL on the questions alone with the answer as the only reward (no routes, no verification).</summary>
public sealed class GrpoMethod : ITrainingMethod
{
    public string Name => "GRPO";
    public string StartsFrom => "SFT";

    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory) =>
        TrainingRuns.Grpo(ctx, Name, model, new PlainPromptPolicy(), ctx.Config.Grpo(ctx.Config.Seed + 41) with { Rewards = RewardPlugins.AnswerOnly }, workDirectory);
}
