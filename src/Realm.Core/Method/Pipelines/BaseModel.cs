using Realm.Data;
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
    public static List<PromptCompletion> Corpus(IReadOnlyList<Problem> general, PromptFormat format, int maxRoutes, ulong seed) =>
        TrainingExamples.WithRoutes(format,
            general.SelectMany(p => p.Routes.Where(r => r.Correct).Take(1).Select(expert => (p, expert))), 0.5, maxRoutes, seed);

    public static LlamaModel Pretrain(ExperimentContext ctx)
    {
        var c = ctx.Config;
        var model = new LlamaModel(Config(c, ctx.Tokenizer), ctx.Cpu);
        model.InitializeRandom(c.Seed);
        TrainingRuns.Sft(ctx, Methods.Base.Label(), model, Corpus(ctx.General, ctx.Format, c.MaxRoutes, c.Seed + 1),
            c.Sft(c.PretrainSteps, c.Seed + 2, fromScratch: true), ctx.WorkDirectory("base"));
        return model;
    }
}
