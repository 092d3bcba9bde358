using Realm.Engine.Tokenizers;
using Realm.Data;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// Rejection-sampling fine-tuning: the student samples G answers per training question (no routes),
/// the verified ones become its new SFT data (positives only, no negatives).
/// </summary>
public sealed class RftMethod : ITrainingMethod
{
    public string Name => "RFT";
    public string StartsFrom => "SFT";

    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        int questions = Math.Max(1, c.MethodSequences / c.RlGenerations);
        var rng = new Engine.Compute.SplitMix64(c.Seed + 21);
        var problems = Enumerable.Range(0, questions).Select(_ => ctx.Train[rng.NextInt(ctx.Train.Count)]).ToList();
        var prompts = problems.Select(p => new ProblemPrompt(ctx.Domain, p, MrpvPrompts.Plain(p))).ToList();

        ctx.Observer.StageStarted($"{Name}: sampling {questions * c.RlGenerations:N0} answers", questions);
        var keep = new List<PromptCompletion>();
        var seen = new HashSet<string>();
        int batch = Math.Max(1, 64 / c.RlGenerations);
        using (var rollouts = new StudentRollouts(model, ctx.Format))
        {
            rollouts.Reserve(prompts, c.MaxNewTokens, batch * c.RlGenerations);
            for (int at = 0; at < prompts.Count; at += batch)
            {
                var chunk = prompts.Skip(at).Take(batch).ToList();
                var sampling = new SamplingOptions { MaxNewTokens = c.MaxNewTokens, Seed = c.Seed + (ulong)at };
                foreach (var answer in rollouts.Run(chunk, c.RlGenerations, sampling, batch * c.RlGenerations))
                    if (answer.Output.FormatOk(0) && answer.Correct && seen.Add(answer.Prompt.Problem.Id + "\n" + answer.Text))
                        keep.Add(ctx.Format.Tokenize(answer.Prompt.Prompt, answer.Text));
                ctx.Observer.StageProgress(Math.Min(prompts.Count, at + batch), $"{keep.Count:N0} verified answers kept");
            }
        }
        ctx.Observer.StageFinished($"{keep.Count:N0} verified answers");
        if (keep.Count == 0)
        {
            ctx.Observer.Log($"{Name}: the student solved no sampled question; nothing to fine-tune on");
            return;
        }
        TrainingRuns.Sft(ctx, Name, model, keep, c.Sft(c.MethodSftSteps, c.Seed + 22, fromScratch: false), workDirectory);
    }
}
