using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Lora;

/// <summary>What the adapters add to the forward pass: nothing at B = 0, exactly the merged model's function, dropout only in training.</summary>
public unsafe class LoraForwardTests
{
    private static readonly TokenBatch Batch = ModelGradientTests.RandomBatch(11, [7, 12, 4], 9);

    [Fact]
    public void FreshAdaptersLeaveTheLogitsExactlyAsTheBaseModels()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LoraTestSupport.TinyModel(cpu);
        var training = LoraTestSupport.Logits(model, Batch, training: true);
        var inference = LoraTestSupport.Logits(model, Batch, training: false);
        using var adapters = LoraAdapters.Create(model.Config, LoraTestSupport.Config(dropout: 0.2), seed: 3);
        Assert.Contains(adapters.Weights.Span.ToArray(), x => x != 0); // A is random; only B is zero
        model.Adapters = adapters;
        Assert.Equal(training, LoraTestSupport.Logits(model, Batch, training: true));
        Assert.Equal(inference, LoraTestSupport.Logits(model, Batch, training: false));
    }

    public static IEnumerable<object[]> Targets()
    {
        foreach (var level in TestSupport.SimdLevels())
            foreach (var targets in new[] { "all-linear", "k_proj,up_proj", "q_proj,o_proj,gate_proj,down_proj" })
                yield return [level[0], targets];
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void AdaptedForwardEqualsTheMergedModelsForward(SimdLevel simd, string targets)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LoraTestSupport.TinyModel(cpu);
        var baseLogits = LoraTestSupport.Logits(model, Batch, training: false);
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config(targets));
        model.Adapters = adapters;
        var adapted = LoraTestSupport.Logits(model, Batch, training: false);
        Assert.True(TestSupport.RelativeError(adapted, baseLogits) > 0.05, "the adapters should change the logits clearly");
        TestSupport.AssertClose(LoraTestSupport.Logits(model, Batch, training: true), adapted, 1e-6, "training-mode logits without dropout");

        using var merged = LoraTestSupport.Clone(model);
        adapters.MergeInto(merged);
        TestSupport.AssertClose(LoraTestSupport.Logits(merged, Batch, training: false), adapted, 1e-5, $"merged model ({targets})");
    }

    [Fact]
    public void MergeAddsScaledBTimesAToEachTargetedWeight()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LoraTestSupport.TinyModel(cpu, bias: false, tied: true);
        var config = LoraTestSupport.Config("v_proj,up_proj", rank: 2) with { Alpha = 5 };
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, config);
        using var merged = LoraTestSupport.Clone(model);
        adapters.MergeInto(merged);
        foreach (var p in model.Layout.Parameters)
        {
            var before = model.Weights.Slice(p.Offset, (int)p.Length).ToArray();
            var after = merged.Weights.Slice(p.Offset, (int)p.Length).ToArray();
            string? target = p.Name.Contains("v_proj") ? "v_proj" : p.Name.Contains("up_proj") ? "up_proj" : null;
            if (target == null)
            {
                Assert.Equal(before, after);
                continue;
            }
            string prefix = "base_model.model." + p.Name[..^".weight".Length];
            var a = adapters.Layout.Parameters.Single(q => q.Name == prefix + ".lora_A.weight");
            var b = adapters.Layout.Parameters.Single(q => q.Name == prefix + ".lora_B.weight");
            int outDim = p.Shape[0], inDim = p.Shape[1];
            var expected = new float[before.Length];
            for (int o = 0; o < outDim; o++)
                for (int i = 0; i < inDim; i++)
                {
                    double delta = 0;
                    for (int k = 0; k < 2; k++) delta += (double)adapters.Weights.Ptr[b.Offset + o * 2 + k] * adapters.Weights.Ptr[a.Offset + k * inDim + i];
                    expected[o * inDim + i] = (float)(before[o * inDim + i] + 2.5 * delta);
                }
            TestSupport.AssertClose(after, expected, 1e-6, p.Name);
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void KvCacheDecodingWithAdaptersEqualsTheFullForwardPass(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LoraTestSupport.TinyModel(cpu);
        using var adapters = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config("q_proj,v_proj,o_proj,up_proj,down_proj", dropout: 0.5));
        model.Adapters = adapters;
        int v = model.Config.VocabSize;
        var rng = new Random(5);
        var seqs = new[] { 9, 20, 3 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(v)).ToArray()).ToArray();
        var full = seqs.Select(seq => LoraTestSupport.Logits(model, TokenBatch.ForNextToken([seq]), training: false)).ToArray();

        using var cache = new KvCache(model.Config, slots: 3, capacity: 32);
        using var packed = new PackedWeights(model);
        using var acts = new Activations(model.Layout, 32, forTraining: false);
        var prefix = new[] { 4, 13, 1 };
        var logits = new float[3 * v];
        model.Extend(cache, packed, acts, seqs.SelectMany((s, i) => s.Take(prefix[i])).ToArray(), [0, 1, 2], prefix, logits);
        for (int i = 0; i < 3; i++)
            TestSupport.AssertClose(logits.AsSpan(i * v, v), full[i].AsSpan((prefix[i] - 1) * v, v), 1e-5, $"prefill seq {i}");
        var pos = (int[])prefix.Clone();
        for (int live; (live = Enumerable.Range(0, 3).Count(i => pos[i] < seqs[i].Length)) > 0;)
        {
            var slots = Enumerable.Range(0, 3).Where(i => pos[i] < seqs[i].Length).ToArray();
            var step = new float[live * v];
            model.Extend(cache, packed, acts, slots.Select(i => seqs[i][pos[i]]).ToArray(), slots, slots.Select(_ => 1).ToArray(), step);
            for (int s = 0; s < live; s++)
            {
                int i = slots[s];
                TestSupport.AssertClose(step.AsSpan(s * v, v), full[i].AsSpan(pos[i] * v, v), 1e-5, $"decode seq {i} pos {pos[i]}");
                pos[i]++;
            }
        }

        // Weights packed without the adapters (or with others) must not be decoded with.
        model.Adapters = null;
        Assert.Throws<InvalidOperationException>(() => model.Extend(cache, packed, acts, [1], [0], [1], new float[v]));
    }

    [Fact]
    public void DropoutActsInTrainingPassesOnlyAndRepeatsForTheSamePass()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LoraTestSupport.TinyModel(cpu);
        using var plain = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config(dropout: 0));
        using var dropped = LoraTestSupport.RandomAdapters(model.Config, LoraTestSupport.Config(dropout: 0.4));
        Assert.Equal(plain.Weights.Span.ToArray(), dropped.Weights.Span.ToArray());
        model.Adapters = plain;
        var reference = LoraTestSupport.Logits(model, Batch, training: false);

        model.Adapters = dropped;
        Assert.Equal(reference, LoraTestSupport.Logits(model, Batch, training: false)); // inference: no dropout
        Assert.Equal(0, dropped.DropoutPasses);
        var first = LoraTestSupport.Logits(model, Batch, training: true);
        var second = LoraTestSupport.Logits(model, Batch, training: true);
        Assert.Equal(2, dropped.DropoutPasses);
        Assert.True(TestSupport.RelativeError(first, reference) > 1e-3, "training pass should drop adapter inputs");
        Assert.True(TestSupport.RelativeError(second, first) > 1e-3, "each training pass should draw new masks");
        dropped.DropoutPasses = 0;
        Assert.Equal(first, LoraTestSupport.Logits(model, Batch, training: true));
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void DropoutMasksDropTheRequestedShareAndScaleTheRest(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd, threads: 3);
        const int rows = 300, cols = 203;
        const double p = 0.3;
        using var x = new NativeBuffer(rows * cols);
        using var y = new NativeBuffer(rows * cols);
        x.Span.Fill(1f);
        ulong key = LoraDropout.Key(7, 0, 1, LoraTarget.UpProj);
        LoraDropout.Apply(cpu, x.Ptr, y.Ptr, rows, cols, key, p);
        int zeros = y.Span.ToArray().Count(v => v == 0);
        Assert.InRange(zeros / (double)(rows * cols), p - 0.01, p + 0.01);
        Assert.All(y.Span.ToArray().Where(v => v != 0), v => Assert.Equal((float)(1 / (1 - p)), v));

        // The backward pass's mask is the same one; another key gives another mask.
        using var dx = new NativeBuffer(rows * cols);
        LoraDropout.AccumulateMasked(cpu, x.Ptr, dx.Ptr, rows, cols, key, p);
        Assert.Equal(y.Span.ToArray(), dx.Span.ToArray());
        LoraDropout.Apply(cpu, x.Ptr, y.Ptr, rows, cols, LoraDropout.Key(7, 1, 1, LoraTarget.UpProj), p);
        Assert.NotEqual(dx.Span.ToArray(), y.Span.ToArray());

        // Every SIMD path draws the same mask (integer hashing), so results do not depend on the path.
        using var scalarCpu = TestSupport.NewCpu(SimdLevel.Scalar);
        using var scalar = new NativeBuffer(rows * cols);
        LoraDropout.Apply(scalarCpu, x.Ptr, scalar.Ptr, rows, cols, key, p);
        Assert.Equal(scalar.Span.ToArray(), dx.Span.ToArray());
    }
}
