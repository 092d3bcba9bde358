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
        var prompts = problems.Select(MrpvPrompts.Plain).ToList();
        var ids = prompts.Select(ctx.Format.EncodePrompt).ToList();

        ctx.Observer.StageStarted($"{name}: sampling {questions * c.RlGenerations:N0} answers", questions);
        var keep = new List<PromptCompletion>();
        var seen = new HashSet<string>();
        long generated = 0;
        int batch = Math.Max(1, 64 / c.RlGenerations);
        using (var generator = new Generator(model, batch * c.RlGenerations, ids.Max(p => p.Length) + c.MaxNewTokens))
            for (int at = 0; at < problems.Count; at += batch)
            {
                var chunk = Enumerable.Range(at, Math.Min(batch, problems.Count - at)).ToList();
                var outputs = generator.Generate(chunk.SelectMany(i => Enumerable.Repeat(ids[i], c.RlGenerations)).ToList(),
                    new SamplingOptions { MaxNewTokens = c.MaxNewTokens, Seed = c.Seed + (ulong)at, StopTokens = ctx.Format.StopIds });
                for (int k = 0; k < outputs.Count; k++)
                {
                    int i = chunk[k / c.RlGenerations];
                    var tokens = outputs[k].Tokens;
                    generated += tokens.Length;
                    string text = ctx.Format.DecodeCompletion(tokens);
                    var parsed = MrpvOutput.Parse(text);
                    if (!parsed.FormatOk(0) || parsed.Answer == null || !ctx.Domain.Verify(problems[i], parsed.Answer)) continue;
                    if (seen.Add(problems[i].Id + "\n" + text))
                        keep.Add(ctx.Format.Tokenize(prompts[i], text));
                }
                ctx.Observer.StageProgress(Math.Min(problems.Count, at + batch), $"{keep.Count:N0} verified answers kept");
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
