using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// CoT-Synthesizer: the student always sees Kmax mixed routes during training and learns to synthesise
/// the right reasoning from them (supervised, no verification output); routes never fade, so it relies
/// on them at inference.
/// </summary>
public static class CotSynthesizerMethod
{
    public static void Train(ExperimentContext ctx, MethodRecord method, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        var options = new RouteOptions { MaxRoutes = c.MaxRoutes, IncludeNegatives = method.NegativeRoutes };
        var schedule = method.Schedule(c.Eaai) ?? throw new RealmException($"method {method.Name}: route synthesis needs routes shown");
        var rng = new SplitMix64(c.Seed + method.SeedOffset);
        var examples = new List<PromptCompletion>();
        foreach (var problem in ctx.Train)
        {
            var expert = problem.Routes.FirstOrDefault(r => r.Correct);
            if (expert == null) continue;
            var prompt = MrpvPrompts.Sample(problem, 1.0, options, schedule, ref rng);
            examples.Add(ctx.Format.Tokenize(prompt, TrainingExamples.Completion(prompt, expert, verify: false)));
        }
        TrainingRuns.Sft(ctx, method.Label(), model, examples, c.Sft(method.PlannedUpdates(c)[0], c.Seed + method.SeedOffset + 1, fromScratch: false), workDirectory);
    }
}
