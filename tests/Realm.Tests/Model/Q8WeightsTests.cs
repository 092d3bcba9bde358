using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Model;

namespace Realm.Tests.Model;

/// <summary>
/// Models with 8-bit inference weights (<c>--weights q8</c>) against the same model in F32, decoding one token
/// at a time (the integer matrix-vector kernels) after a prefill (the dequantised GEMM). The bound: along the
/// F32 model's greedy continuation, the log-probability of each next token differs by at most
/// <see cref="MaxLogprobDelta"/> nats, and wherever the F32 model's top two logits are more than
/// <see cref="ClearGap"/> apart the Q8 model picks the same token.
/// </summary>
public unsafe class Q8WeightsTests
{
    private const double MaxLogprobDelta = 0.1, ClearGap = 0.2;

    /// <summary>Per step of teacher-forced decoding of <paramref name="tokens"/> after the prompt: the logits.</summary>
    private static List<float[]> StepLogits(LlamaModel model, PackedWeights weights, int[] prompt, int[] tokens)
    {
        int v = model.Config.VocabSize;
        using var cache = new KvCache(model.Config, 1, prompt.Length + tokens.Length + 1);
        using var acts = new Activations(model.Layout, prompt.Length, forTraining: false, logitBudget: 0);
        var logits = new float[v];
        var result = new List<float[]>();
        model.Extend(cache, weights, acts, prompt, [0], [prompt.Length], logits);
        result.Add((float[])logits.Clone());
        foreach (int t in tokens[..^1])
        {
            model.Extend(cache, weights, acts, [t], [0], [1], logits);
            result.Add((float[])logits.Clone());
        }
        return result;
    }

    private static double LogSoftmax(float[] logits, int i)
    {
        double max = logits.Max(), sum = 0;
        foreach (float l in logits) sum += Math.Exp(l - max);
        return logits[i] - max - Math.Log(sum);
    }

    private static int ArgMax(float[] x) => Array.IndexOf(x, x.Max());

    /// <summary>Decodes greedily with F32, scores that continuation with Q8, and checks the bound; returns the largest Δ.</summary>
    private static double CheckAgainstF32(LlamaModel f32, LlamaModel q8, int[] prompt, int count)
    {
        using var f32Weights = new PackedWeights(f32);
        var greedy = new List<int>();
        var f32Logits = new List<float[]>();
        // Greedy F32 continuation, one step at a time.
        for (int step = 0; step < count; step++)
        {
            var logits = StepLogits(f32, f32Weights, prompt, [.. greedy, 0])[^1];
            f32Logits.Add(logits);
            greedy.Add(ArgMax(logits));
        }
        var q8Logits = StepLogits(q8, q8.InferenceWeights!, prompt, greedy.ToArray());
        double worst = 0;
        for (int i = 0; i < count; i++)
        {
            double delta = Math.Abs(LogSoftmax(q8Logits[i], greedy[i]) - LogSoftmax(f32Logits[i], greedy[i]));
            worst = Math.Max(worst, delta);
            Assert.True(delta <= MaxLogprobDelta, $"token {i}: |Δ logprob| = {delta:F4}");
            var sorted = f32Logits[i].OrderDescending().ToArray();
            if (sorted[0] - sorted[1] > ClearGap) Assert.Equal(greedy[i], ArgMax(q8Logits[i]));
        }
        return worst;
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
            foreach (var name in new[] { "gqa_tied", "qwen_bias_untied", "mha_headdim" })
                yield return new object[] { level[0], name };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FixtureModelsDecodeCloseToF32(SimdLevel simd, string name)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f32 = LlamaModel.Load(Fixtures.Model(name), cpu);
        using var q8 = LlamaModel.LoadPacked(Fixtures.Model(name), cpu, WeightFormat.Q8);
        Assert.Throws<RealmException>(() => q8.Weights);
        CheckAgainstF32(f32, q8, [3, 14, 15, 9, 26, 5, 35], 24);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void RandomModelDecodesCloseToF32AtAQuarterOfTheBytes(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        var config = new LlamaConfig
        {
            ModelType = "qwen2", HiddenSize = 256, IntermediateSize = 640, NumHiddenLayers = 3, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, VocabSize = 1024, TieWordEmbeddings = true, AttentionBias = true, MaxPositionEmbeddings = 128,
        };
        using var f32 = new LlamaModel(config, cpu);
        f32.InitializeRandom(5, std: 0.04f); // peakier than the default 0.02, so greedy choices are not coin flips
        using var q8 = new LlamaModel(config, cpu);
        f32.Weights.Span.CopyTo(q8.Weights.Span);
        using var f32Packed = new PackedWeights(f32);
        q8.KeepOnlyInferenceWeights(WeightFormat.Q8);
        Assert.Equal(f32Packed.MatrixBytes * 17 / 64, q8.InferenceWeights!.MatrixBytes);
        var prompt = Enumerable.Range(0, 20).Select(i => i * 37 % config.VocabSize).ToArray();
        CheckAgainstF32(f32, q8, prompt, 40);
    }
}
