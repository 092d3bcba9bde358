using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// The RL methods: GRPO on the record's prompts — the question alone (plain GRPO), or MRPV prompts whose
/// routes follow the record's schedule (ReaLM: fading with EAAI) — rewarded by the record's weights. With
/// several rounds the RL model's own verified reasoning joins an SFT round before the next RL round
/// (ReaLM-R1's iterations). The ablations of docs/method.md are records with other rewards or routes.
/// </summary>
public static class RlMethod
{
    public static void Train(ExperimentContext ctx, MethodRecord method, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        var policy = method.PromptPolicy(c.Eaai, c.MaxRoutes);
        var updates = method.PlannedUpdates(c);
        ulong seed = c.Seed + method.SeedOffset;
        for (int round = 0; round < method.Rounds; round++)
        {
            string label = method.Rounds == 1 ? method.Label() : method.Label($"round {round + 1}");
            if (round > 0)
                TrainingRuns.Sft(ctx, method.Label($"round {round + 1} sft"), model, OwnVerifiedReasoning(ctx, model, method.Label($"round {round + 1} sampling")),
                    c.Sft(updates[2 * round - 1], seed + 10 * (ulong)round, fromScratch: false), Path.Combine(workDirectory, $"sft-{round}"));
            TrainingRuns.Grpo(ctx, label, model, policy, c.Grpo(updates[2 * round], seed + (ulong)round) with { Rewards = method.Rewards },
                Path.Combine(workDirectory, $"rl-{round}"));
        }
    }

    /// <summary>The model's greedy answers to training questions (no routes) that verify, as SFT data.</summary>
    private static List<PromptCompletion> OwnVerifiedReasoning(ExperimentContext ctx, LlamaModel model, string label)
    {
        var c = ctx.Config;
        var prompts = ctx.Train.Select(MrpvPrompts.Plain).ToList();
        var ids = prompts.Select(ctx.Format.EncodePrompt).ToList();
        using var generator = new Generator(model, 64, ids.Max(p => p.Length) + c.MaxNewTokens);
        var outputs = generator.Generate(ids, new SamplingOptions { Greedy = true, MaxNewTokens = c.MaxNewTokens, StopTokens = ctx.Format.StopIds });
        TrainingRuns.RecordGenerated(ctx, label, outputs.Sum(o => (long)o.Tokens.Length));
        var keep = new List<PromptCompletion>();
        for (int i = 0; i < outputs.Count; i++)
        {
            string text = ctx.Format.DecodeCompletion(outputs[i].Tokens);
            var parsed = MrpvOutput.Parse(text);
            if (parsed.FormatOk(0) && parsed.Answer != null && ctx.Domain.Verify(ctx.Train[i], parsed.Answer))
                keep.Add(ctx.Format.Tokenize(prompts[i], text));
        }
        ctx.Observer.Log($"{label}: {keep.Count} of {ctx.Train.Count} own answers verified and kept");
        return keep.Count > 0 ? keep : TrainingExamples.Distillation(ctx.Format, ctx.Train).ToList();
    }
}
