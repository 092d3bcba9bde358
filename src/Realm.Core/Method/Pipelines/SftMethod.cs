using Realm.Engine.Model;

namespace Realm.Method.Pipelines;

/// <summary>
/// The SFT baseline: guided distillation only (docs/method.md, "Guided CoT distillation"). It continues the
/// shared distillation stage for the per-method budget, so it has trained as long as every other method.
/// </summary>
public static class SftMethod
{
    public static void Train(ExperimentContext ctx, MethodRecord method, LlamaModel model, string workDirectory) =>
        TrainingRuns.Sft(ctx, method.Label(), model, TrainingExamples.Distillation(ctx.Format, ctx.Train).ToList(),
            ctx.Config.Sft(method.PlannedUpdates(ctx.Config)[0], ctx.Config.Seed + method.SeedOffset, fromScratch: false), workDirectory);
}
