using Realm.Engine.Model;

namespace Realm.Method.Pipelines;

/// <summary>
/// The SFT baseline: guided distillation only (docs/method.md, "Guided CoT distillation"). It continues the shared distillation stage
/// for the per-method budget, so it has trained as long as every other method.
/// </summary>
public sealed class SftMethod : ITrainingMethod
{
    public string Name => "SFT";
    public string StartsFrom => "SFT";

    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory) =>
        TrainingRuns.Sft(ctx, Name, model, TrainingExamples.Distillation(ctx.Format, ctx.Train).ToList(),
            ctx.Config.Sft(ctx.Config.MethodSftSteps, ctx.Config.Seed + 11, fromScratch: false), workDirectory);
}
