using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// Rejection-sampling fine-tuning: the student samples G answers per training question (no routes),
/// the verified ones become its new SFT data (positives only, no negatives).
/// </summary>
public static class RftMethod
{
    public static void Train(ExperimentContext ctx, MethodRecord method, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        string name = method.Label();
        int questions = Math.Max(1, c.MethodSequences / c.RlGenerations);
        var rng = new Engine.Compute.SplitMix64(c.Seed + method.SeedOffset);
        var problems = Enumerable.Range(0, questions).Select(_ => ctx.Train[rng.NextInt(ctx.Train.Count)]).ToList();
        var prompts = problems.Select(p => new ProblemPrompt(ctx.Domain, p, MrpvPrompts.Plain(p))).ToList();

        ctx.Observer.StageStarted($"{name}: sampling {questions * c.RlGenerations:N0} answers", questions);
        var keep = new List<PromptCompletion>();
        var seen = new HashSet<string>();
        long generated = 0;
        int batch = Math.Max(1, 64 / c.RlGenerations);
        using (var rollouts = new StudentRollouts(model, ctx.Format))
        {
            rollouts.Reserve(prompts, c.MaxNewTokens, batch * c.RlGenerations);
            for (int at = 0; at < prompts.Count; at += batch)
            {
                var chunk = prompts.Skip(at).Take(batch).ToList();
                var sampling = new SamplingOptions { MaxNewTokens = c.MaxNewTokens, Seed = c.Seed + (ulong)at };
                foreach (var answer in rollouts.Run(chunk, c.RlGenerations, sampling, batch * c.RlGenerations))
                {
                    generated += answer.Completion.Length;
                    if (answer.Output.FormatOk(0) && answer.Correct && seen.Add(answer.Prompt.Problem.Id + "\n" + answer.Text))
                        keep.Add(ctx.Format.Tokenize(answer.Prompt.Prompt, answer.Text));
                }
                ctx.Observer.StageProgress(Math.Min(prompts.Count, at + batch), $"{keep.Count:N0} verified answers kept");
            }
        }
        ctx.Observer.StageFinished($"{keep.Count:N0} verified answers");
        TrainingRuns.RecordGenerated(ctx, method.Label("sampling"), generated);
        if (keep.Count == 0)
        {
            ctx.Observer.Log($"{name}: the student solved no sampled question; nothing to fine-tune on");
            return;
        }
        TrainingRuns.Sft(ctx, name, model, keep, c.Sft(method.PlannedUpdates(c)[0], c.Seed + method.SeedOffset + 1, fromScratch: false), workDirectory);
    }
}
