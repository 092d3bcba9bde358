using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Tests.Model;

/// <summary>The whole model's backward pass against finite differences of its forward pass.</summary>
public unsafe class ModelGradientTests
{
    internal static LlamaConfig TinyConfig(bool bias, bool tied, string modelType = "llama") => new()
    {
        ModelType = modelType,
        HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        VocabSize = 11, RmsNormEps = 1e-5, RopeTheta = 10000, MaxPositionEmbeddings = 32,
        TieWordEmbeddings = tied, AttentionBias = bias,
    };

    internal static TokenBatch RandomBatch(int vocab, int[] lengths, int seed)
    {
        var rng = new Random(seed);
        var seqs = lengths.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(vocab)).ToArray()).ToList();
        return TokenBatch.ForNextToken(seqs);
    }

    internal static float[] RandomCoef(int n, int seed)
    {
        var c = TestSupport.Random(n, seed);
        c[n / 2] = 0f;
        return c;
    }

    private static double Loss(LlamaModel model, TokenBatch batch, Activations acts, float[] coef, float temperature = 1f)
    {
        var lp = new float[batch.Count];
        model.Forward(batch, acts, lp, temperature: temperature);
        double s = 0;
        for (int i = 0; i < lp.Length; i++) s += (double)coef[i] * lp[i];
        return s;
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
        {
            yield return new object[] { level[0], "llama", true, false };  // q/k/v and o biases
            yield return new object[] { level[0], "qwen2", true, true };   // q/k/v biases only
            yield return new object[] { level[0], "llama", false, true };
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryParameterTensorMatchesFiniteDifferences(SimdLevel simd, string modelType, bool bias, bool tied)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = new LlamaModel(TinyConfig(bias, tied, modelType), cpu);
        model.InitializeRandom(7, std: 0.4f);
        if (bias) foreach (var p in model.Layout.Parameters.Where(p => p.Name.EndsWith(".bias")))
            for (long i = 0; i < p.Length; i++) model.Weights.Ptr[p.Offset + i] = 0.1f * (i % 5 - 2);
        var batch = RandomBatch(11, new[] { 5, 9, 3 }, 1);
        var coef = RandomCoef(batch.Count, 2);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        using var grads = new NativeBuffer(model.Layout.Total);
        var lp = new float[batch.Count];
        model.Forward(batch, acts, lp);
        model.Backward(batch, acts, coef, grads);

        var rng = new Random(3);
        foreach (var p in model.Layout.Parameters)
        {
            double maxGrad = 1e-4;
            for (long i = 0; i < p.Length; i++) maxGrad = Math.Max(maxGrad, Math.Abs(grads.Ptr[p.Offset + i]));
            for (int s = 0; s < 4; s++)
            {
                long i = p.Offset + rng.Next((int)p.Length);
                float keep = model.Weights.Ptr[i];
                const float h = 1e-2f;
                model.Weights.Ptr[i] = keep + h; double up = Loss(model, batch, acts, coef);
                model.Weights.Ptr[i] = keep - h; double down = Loss(model, batch, acts, coef);
                model.Weights.Ptr[i] = keep;
                double numeric = (up - down) / (2 * h);
                double err = Math.Abs(numeric - grads.Ptr[i]) / maxGrad;
                Assert.True(err < 3e-2, $"{p.Name}[{i - p.Offset}]: analytic {grads.Ptr[i]:G5} numeric {numeric:G5} (max |g| {maxGrad:G3})");
            }
        }
    }

    public static IEnumerable<object[]> Levels() => TestSupport.SimdLevels();

    [Theory]
    [MemberData(nameof(Levels))]
    public void TemperatureGivesLogprobsAndEntropyOfTheScaledDistribution(SimdLevel simd)
    {
        // Reference: log-softmax of the raw logits / T, in double, from the unscaled pass's logits.
        using var cpu = TestSupport.NewCpu(simd);
        using var model = new LlamaModel(TinyConfig(true, false), cpu);
        model.InitializeRandom(10, std: 0.4f);
        var batch = RandomBatch(11, new[] { 6, 4 }, 8);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        int n = batch.Count, v = 11;
        var raw = new float[n * v];
        var lp1 = new float[n];
        model.Forward(batch, acts, lp1, logits: raw);
        var lpT1 = new float[n];
        model.Forward(batch, acts, lpT1, temperature: 1f);
        Assert.Equal(lp1, lpT1); // T = 1 is the unscaled path, bit for bit

        const float t = 0.6f;
        var lp = new float[n];
        var entropy = new float[n];
        model.Forward(batch, acts, lp, entropy, temperature: t);
        for (int r = 0; r < n; r++)
        {
            var z = raw.AsSpan(r * v, v).ToArray().Select(x => x * (1.0 / t)).ToArray();
            double max = z.Max(), lse = max + Math.Log(z.Sum(x => Math.Exp(x - max)));
            double h = -z.Sum(x => Math.Exp(x - lse) * (x - lse));
            int target = batch.Targets[r];
            Assert.Equal(target < 0 ? 0 : z[target] - lse, lp[r], 4);
            Assert.Equal(h, entropy[r], 4);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BackwardAtATemperatureMatchesFiniteDifferences(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = new LlamaModel(TinyConfig(false, true), cpu);
        model.InitializeRandom(11, std: 0.4f);
        var batch = RandomBatch(11, new[] { 5, 7 }, 9);
        var coef = RandomCoef(batch.Count, 3);
        const float t = 0.7f;
        // A logit budget of 3 rows makes the backward pass recompute (and rescale) the logits per chunk.
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true, logitBudget: 3 * 11);
        using var grads = new NativeBuffer(model.Layout.Total);
        model.Forward(batch, acts, new float[batch.Count], temperature: t);
        model.Backward(batch, acts, coef, grads);

        double maxGrad = 1e-4;
        for (long i = 0; i < model.Layout.Total; i++) maxGrad = Math.Max(maxGrad, Math.Abs(grads.Ptr[i]));
        var rng = new Random(4);
        for (int s = 0; s < 24; s++)
        {
            long i = rng.NextInt64(model.Layout.Total);
            float keep = model.Weights.Ptr[i];
            const float h = 1e-2f;
            model.Weights.Ptr[i] = keep + h; double up = Loss(model, batch, acts, coef, t);
            model.Weights.Ptr[i] = keep - h; double down = Loss(model, batch, acts, coef, t);
            model.Weights.Ptr[i] = keep;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - grads.Ptr[i]) / maxGrad < 3e-2, $"[{i}]: analytic {grads.Ptr[i]:G5} numeric {numeric:G5}");
        }
    }

    [Fact]
    public void ChunkedLogitsAndInferenceModeAgreeWithTheFullPass()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = new LlamaModel(TinyConfig(true, false), cpu);
        model.InitializeRandom(8, std: 0.4f);
        var batch = RandomBatch(11, new[] { 7, 4, 12 }, 4);
        var coef = RandomCoef(batch.Count, 5);

        (float[] lp, float[] grad) Run(Activations acts)
        {
            var lp = new float[batch.Count];
            model.Forward(batch, acts, lp);
            using var g = new NativeBuffer(model.Layout.Total);
            if (acts.ForTraining) model.Backward(batch, acts, coef, g);
            return (lp, g.Span.ToArray());
        }

        using var full = new Activations(model.Layout, batch.Count, forTraining: true);
        using var chunked = new Activations(model.Layout, batch.Count, forTraining: true, logitBudget: 5 * 11);
        using var inference = new Activations(model.Layout, batch.Count, forTraining: false);
        Assert.Equal(5, chunked.LogitRows);
        var a = Run(full);
        var b = Run(chunked);
        var c = Run(inference);
        TestSupport.AssertClose(b.lp, a.lp, 1e-6, "chunked logprobs");
        TestSupport.AssertClose(b.grad, a.grad, 1e-5, "chunked gradients");
        TestSupport.AssertClose(c.lp, a.lp, 1e-6, "inference-mode logprobs");
    }

    [Fact]
    public void GradientsAccumulateOverMicroBatchesOfDifferentLengths()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = new LlamaModel(TinyConfig(true, false), cpu);
        model.InitializeRandom(9, std: 0.4f);
        var rng = new Random(6);
        var seqs = new[] { 13, 4, 9, 2 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(11)).ToArray()).ToList();
        var coefAll = RandomCoef(seqs.Sum(s => s.Length), 7);

        using var together = new NativeBuffer(model.Layout.Total);
        var all = TokenBatch.ForNextToken(seqs);
        using (var acts = new Activations(model.Layout, all.Count, forTraining: true))
        {
            model.Forward(all, acts, new float[all.Count]);
            model.Backward(all, acts, coefAll, together);
        }

        // The same sequences in two passes of different sizes (17 and 11 rows), into one buffer.
        using var accumulated = new NativeBuffer(model.Layout.Total);
        using var small = new Activations(model.Layout, 17, forTraining: true);
        var first = TokenBatch.ForNextToken(seqs.Take(2).ToList());
        var second = TokenBatch.ForNextToken(seqs.Skip(2).ToList());
        model.Forward(first, small, new float[first.Count]);
        model.Backward(first, small, coefAll.AsSpan(0, first.Count), accumulated);
        model.Forward(second, small, new float[second.Count]);
        model.Backward(second, small, coefAll.AsSpan(first.Count), accumulated);

        TestSupport.AssertClose(accumulated.Span, together.Span, 1e-5, "accumulated gradients");
    }
}
