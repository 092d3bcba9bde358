using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Lora;

/// <summary>Tiny models with adapters whose B is not zero, so the LoRA path changes what the model computes.</summary>
internal static class LoraTestSupport
{
    public static LlamaModel TinyModel(Cpu cpu, bool bias = true, bool tied = false, string modelType = "llama", ulong seed = 7)
    {
        var model = new LlamaModel(ModelGradientTests.TinyConfig(bias, tied, modelType), cpu);
        model.InitializeRandom(seed, std: 0.4f);
        if (bias)
            foreach (var p in model.Layout.Parameters.Where(p => p.Name.EndsWith(".bias")))
                for (long i = 0; i < p.Length; i++) model.Weights.Span[(int)(p.Offset + i)] = 0.1f * (i % 5 - 2);
        return model;
    }

    public static LoraConfig Config(string targets = "all-linear", int rank = 3, double dropout = 0) => new()
    {
        Rank = rank, Alpha = 2 * rank, Dropout = dropout, Targets = LoraTargets.ParseList(targets, "test"),
    };

    /// <summary>Adapters as created (PEFT's init), then B drawn from N(0, scale²) instead of zeros.</summary>
    public static LoraAdapters RandomAdapters(LlamaConfig baseConfig, LoraConfig config, ulong seed = 5, float scale = 0.3f)
    {
        var adapters = LoraAdapters.Create(baseConfig, config, seed);
        var rng = new Random((int)seed);
        foreach (var p in adapters.Layout.Parameters.Where(p => p.Name.EndsWith(".lora_B.weight")))
            for (long i = 0; i < p.Length; i++) adapters.Weights.Span[(int)(p.Offset + i)] = (float)(TestSupport.Normal(rng) * scale);
        return adapters;
    }

    /// <summary>A copy of the model's weights in a new model of the same shape.</summary>
    public static LlamaModel Clone(LlamaModel model)
    {
        var copy = new LlamaModel(model.Config, model.Cpu);
        model.Weights.Span.CopyTo(copy.Weights.Span);
        return copy;
    }

    /// <summary>Logits at every row of one forward pass (training or inference activations).</summary>
    public static float[] Logits(LlamaModel model, TokenBatch batch, bool training)
    {
        using var acts = new Activations(model.Layout, batch.Count, training);
        var logits = new float[batch.Count * model.Config.VocabSize];
        model.Forward(batch, acts, new float[batch.Count], default, logits);
        return logits;
    }
}
