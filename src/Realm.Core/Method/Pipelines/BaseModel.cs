using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// The embedded default's base model (`realm pretrain`): a small Llama-style model trained from scratch
/// on general step-by-step reasoning — the general domain's problems, answered plainly and, with
/// routes shown, verified route by route — but never on the vertical domain or its rulebook. So it knows
/// the answer format and how to check a route, and ReaLM-Zero has something to start from.
/// </summary>
public static class BaseModel
{
    public static LlamaConfig Config(ExperimentConfig c, ITokenizer tokenizer) => new LlamaConfig
    {
        HiddenSize = c.Hidden, IntermediateSize = c.Ffn, NumHiddenLayers = c.Layers, NumAttentionHeads = c.Heads,
        NumKeyValueHeads = c.KvHeads, VocabSize = tokenizer.VocabSize, MaxPositionEmbeddings = c.MaxPositions,
        TieWordEmbeddings = true, BosTokenId = tokenizer.BosId, EosTokenIds = tokenizer.StopIds(),
    }.Validate("experiment model settings");

    /// <summary>Half of the general problems plain, half with 1..Kmax mixed routes and the verdicts.</summary>
    public static List<PromptCompletion> Corpus(IReadOnlyList<Problem> general, ITokenizer tokenizer, int maxRoutes, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var examples = new List<PromptCompletion>(general.Count);
        var options = new RouteOptions { MaxRoutes = maxRoutes };
        foreach (var problem in general)
        {
            var expert = problem.Routes.FirstOrDefault(r => r.Correct);
            if (expert == null) continue;
            double alpha = rng.NextDouble() < 0.5 ? 0 : (1 + rng.NextInt(maxRoutes)) / (double)maxRoutes;
            var prompt = alpha == 0 ? MrpvPrompts.Plain(problem) : MrpvPrompts.Sample(problem, 1.0, options with { MaxRoutes = EaaiSchedule.RouteCount(alpha, maxRoutes) }, EaaiSchedule.AlwaysOn, ref rng);
            examples.Add(TrainingExamples.Tokenize(tokenizer, prompt, TrainingExamples.Completion(prompt, expert)));
        }
        return examples;
    }

    public static LlamaModel Pretrain(ExperimentContext ctx)
    {
        var c = ctx.Config;
        var model = new LlamaModel(Config(c, ctx.Tokenizer), ctx.Cpu);
        model.InitializeRandom(c.Seed);
        TrainingRuns.Sft(ctx, "Base", model, Corpus(ctx.General, ctx.Tokenizer, c.MaxRoutes, c.Seed + 1), c.PretrainSteps,
            ctx.WorkDirectory("base"), c.Seed + 2, fromScratch: true);
        return model;
    }
}
