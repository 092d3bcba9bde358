using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// CoT-Synthesizer: the student always sees Kmax mixed routes during training and learns to synthesise
/// the right reasoning from them (supervised, no verification output); routes never fade, so it relies
/// on them at inference.
/// </summary>
public sealed class CotSynthesizerMethod : ITrainingMethod
{
    public string Name => "CoT-Synthesizer";
    public string StartsFrom => "SFT";

    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory)
    {
        var options = new RouteOptions { MaxRoutes = ctx.Config.MaxRoutes };
        var rng = new SplitMix64(ctx.Config.Seed + 31);
        var examples = new List<PromptCompletion>();
        foreach (var problem in ctx.Train)
        {
            var expert = problem.Routes.FirstOrDefault(r => r.Correct);
            if (expert == null) continue;
            var prompt = MrpvPrompts.Sample(problem, 1.0, options, EaaiSchedule.AlwaysOn, ref rng);
            examples.Add(ctx.Format.Tokenize(prompt, TrainingExamples.Completion(prompt, expert, verify: false)));
        }
        TrainingRuns.Sft(ctx, Name, model, examples, ctx.Config.Sft(ctx.Config.MethodSftSteps, ctx.Config.Seed + 32, fromScratch: false), workDirectory);
    }
}
