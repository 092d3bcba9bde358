using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Lora;

/// <summary>The adapters' backward pass against finite differences of the forward pass, with the base frozen.</summary>
public unsafe class LoraGradientTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
        {
            // Ranks 16, 8 and 3: a whole AVX-512 vector, a whole AVX2 vector, padded.
            yield return [level[0], "llama", true, false, "all-linear", 0.0, 16];                      // q/k/v and o biases
            yield return [level[0], "qwen2", true, true, "q_proj,v_proj,up_proj", 0.0, 8];             // parts of the fused q/k/v and gate/up
            yield return [level[0], "llama", false, true, "k_proj,o_proj,gate_proj,down_proj", 0.3, 3]; // dropout
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AdapterGradientsMatchFiniteDifferences(SimdLevel simd, string modelType, bool bias, bool tied, string targets, double dropout, int rank)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LoraTestSupport.TinyModel(cpu, bias, tied, modelType);
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config(targets, rank, dropout));
        model.Adapters = adapters;
        var batch = ModelGradientTests.RandomBatch(11, [5, 9, 3], 1);
        var coef = ModelGradientTests.RandomCoef(batch.Count, 2);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        var lp = new float[batch.Count];

        // Every pass uses training pass 0's dropout masks, so the loss is one fixed function of the adapters.
        double Loss()
        {
            adapters.DropoutPasses = 0;
            model.Forward(batch, acts, lp);
            return TestSupport.WeightedSum(lp, coef);
        }
        Loss();
        using var grads = new NativeBuffer(adapters.Layout.Total);
        model.Backward(batch, acts, coef, grads);

        var rng = new Random(3);
        float* w = adapters.Weights.Ptr;
        foreach (var p in adapters.Layout.Parameters)
        {
            double maxGrad = 1e-4;
            for (long i = 0; i < p.Length; i++) maxGrad = Math.Max(maxGrad, Math.Abs(grads.Ptr[p.Offset + i]));
            Assert.True(maxGrad > 1e-3, $"{p.Name}: gradient is (nearly) zero, the check would prove nothing");
            for (int s = 0; s < 4; s++)
            {
                long i = p.Offset + rng.Next((int)p.Length);
                float keep = w[i];
                const float h = 1e-2f;
                w[i] = keep + h; double up = Loss();
                w[i] = keep - h; double down = Loss();
                w[i] = keep;
                double numeric = (up - down) / (2 * h);
                double err = Math.Abs(numeric - grads.Ptr[i]) / maxGrad;
                Assert.True(err < 3e-2, $"{p.Name}[{i - p.Offset}]: analytic {grads.Ptr[i]:G5} numeric {numeric:G5} (max |g| {maxGrad:G3})");
            }
        }
    }

    [Fact]
    public void WithAdaptersAttachedOnlyTheAdaptersAreTrainable()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LoraTestSupport.TinyModel(cpu);
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config("q_proj,down_proj"));
        Assert.Same(model.Weights, model.Trainable.Weights);
        model.Adapters = adapters;
        Assert.Same(adapters.Weights, model.Trainable.Weights);
        Assert.All(model.Trainable.Parameters, p => Assert.Contains(".lora_", p.Name));

        var batch = ModelGradientTests.RandomBatch(11, [6, 4], 3);
        var coef = ModelGradientTests.RandomCoef(batch.Count, 4);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        model.Forward(batch, acts, new float[batch.Count]);
        // No gradient buffer for the frozen base: one of the model's size is refused.
        using var full = new NativeBuffer(model.Layout.Total);
        Assert.Throws<ArgumentException>(() => model.Backward(batch, acts, coef, full));
        // A backward pass must follow a forward pass with the same adapters.
        model.Adapters = null;
        Assert.Throws<InvalidOperationException>(() => model.Backward(batch, acts, coef, full));
    }

    [Fact]
    public void AdapterGradientsAccumulateOverMicroBatches()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LoraTestSupport.TinyModel(cpu);
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config());
        model.Adapters = adapters;
        var rng = new Random(6);
        var seqs = new[] { 13, 4, 9, 2 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(11)).ToArray()).ToList();
        var coef = ModelGradientTests.RandomCoef(seqs.Sum(s => s.Length), 7);

        using var together = new NativeBuffer(adapters.Layout.Total);
        var all = TokenBatch.ForNextToken(seqs);
        using (var acts = new Activations(model.Layout, all.Count, forTraining: true))
        {
            model.Forward(all, acts, new float[all.Count]);
            model.Backward(all, acts, coef, together);
        }
        using var accumulated = new NativeBuffer(adapters.Layout.Total);
        using var small = new Activations(model.Layout, 17, forTraining: true);
        var first = TokenBatch.ForNextToken(seqs.Take(2).ToList());
        var second = TokenBatch.ForNextToken(seqs.Skip(2).ToList());
        model.Forward(first, small, new float[first.Count]);
        model.Backward(first, small, coef.AsSpan(0, first.Count), accumulated);
        model.Forward(second, small, new float[second.Count]);
        model.Backward(second, small, coef.AsSpan(first.Count), accumulated);
        TestSupport.AssertClose(accumulated.Span, together.Span, 1e-5, "accumulated adapter gradients");
    }
}
