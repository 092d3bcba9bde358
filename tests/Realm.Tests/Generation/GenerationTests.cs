using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Generation;

public class GenerationTests
{
    private static LlamaModel RandomModel(Cpu cpu, bool bias = true)
    {
        var config = ModelGradientTests.TinyConfig(bias, tied: false) with { MaxPositionEmbeddings = 96, VocabSize = 23 };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(11, std: 0.5f);
        return model;
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void KvCacheLogitsEqualAFullForwardPass(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = RandomModel(cpu);
        int v = model.Config.VocabSize;
        var rng = new Random(5);
        var seqs = new[] { 9, 40, 3 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(v)).ToArray()).ToArray();

        // Reference: logits at every row from one full forward pass per sequence.
        var full = seqs.Select(seq =>
        {
            var batch = TokenBatch.ForNextToken(new[] { seq });
            using var acts = new Activations(model.Layout, seq.Length, forTraining: false);
            var logits = new float[seq.Length * v];
            model.Forward(batch, acts, new float[seq.Length], default, logits);
            return logits;
        }).ToArray();

        // Cache: prefill a prefix of each sequence (different lengths), then feed one token at a time.
        using var cache = new KvCache(model.Config, slots: 3, capacity: 64);
        using var packed = new PackedWeights(model);
        using var cacheActs = new Activations(model.Layout, 64, forTraining: false);
        var prefix = new[] { 4, 33, 1 };
        var step = new float[3 * v];
        model.Extend(cache, packed, cacheActs, seqs.SelectMany((s, i) => s.Take(prefix[i])).ToArray(), new[] { 0, 1, 2 }, prefix, step);
        for (int i = 0; i < 3; i++)
            TestSupport.AssertClose(step.AsSpan(i * v, v), full[i].AsSpan((prefix[i] - 1) * v, v), 1e-5, $"prefill seq {i}");
        var pos = (int[])prefix.Clone();
        while (true)
        {
            var live = Enumerable.Range(0, 3).Where(i => pos[i] < seqs[i].Length).ToArray();
            if (live.Length == 0) break;
            var logits = new float[live.Length * v];
            model.Extend(cache, packed, cacheActs, live.Select(i => seqs[i][pos[i]]).ToArray(), live, live.Select(_ => 1).ToArray(), logits);
            for (int a = 0; a < live.Length; a++)
            {
                int i = live[a];
                TestSupport.AssertClose(logits.AsSpan(a * v, v), full[i].AsSpan(pos[i] * v, v), 1e-5, $"decode seq {i} pos {pos[i]}");
                pos[i]++;
            }
        }
        Assert.Equal(seqs.Select(s => s.Length), cache.Lengths);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void GreedyDecodingMatchesPyTorch(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        foreach (var name in new[] { "gqa_tied", "qwen_bias_untied", "mha_headdim", "gqa_tied_bf16" })
        {
            using var model = LlamaModel.Load(Fixtures.Model(name), cpu);
            using var expected = Fixtures.Expected(name);
            var want = expected.ReadInt32("gen_ids");
            using var gen = new Generator(model, maxBatch: 2, maxLength: 64);
            var result = gen.Generate(new[] { expected.ReadInt32("gen_prompt") }, new SamplingOptions { Greedy = true, MaxNewTokens = want.Length })[0];
            Assert.Equal(want, result.Tokens);
            TestSupport.AssertClose(result.Logprobs, expected.ReadFloat("gen_logprobs"), 1e-4, $"{name} logprobs");
            Assert.Equal(FinishReason.Length, result.FinishReason);
        }
    }

    [Fact]
    public void SampledCompletionsDoNotDependOnBatching()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        var prompts = new[] { new[] { 1, 2, 3 }, new[] { 4, 5, 6, 7, 8, 9, 10 }, new[] { 11 } };
        var options = new SamplingOptions { MaxNewTokens = 20, Temperature = 0.9f, TopK = 10, TopP = 0.95f, Seed = 42 };
        using var together = new Generator(model, maxBatch: 3, maxLength: 40);
        using var oneAtATime = new Generator(model, maxBatch: 1, maxLength: 40);
        var a = together.Generate(prompts, options);
        var b = oneAtATime.Generate(prompts, options);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(a[i].Tokens, b[i].Tokens);
            Assert.Equal(a[i].Logprobs, b[i].Logprobs);
        }
        var c = together.Generate(prompts, options with { Seed = 43 });
        Assert.Contains(Enumerable.Range(0, 3), i => !c[i].Tokens.SequenceEqual(a[i].Tokens));
    }

    [Fact]
    public void EachSequenceStopsAtItsOwnStopToken()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var gen = new Generator(model, maxBatch: 4, maxLength: 60);
        var prompts = Enumerable.Range(0, 4).Select(i => new[] { i, i + 1 }).ToArray();
        var free = gen.Generate(prompts, new SamplingOptions { MaxNewTokens = 30, Seed = 1 });
        // Stop on the token each first sequence emitted third, so at least one sequence stops early.
        int stop = free[0].Tokens[2];
        var stopped = gen.Generate(prompts, new SamplingOptions { MaxNewTokens = 30, Seed = 1, StopTokens = [stop] });
        for (int i = 0; i < prompts.Length; i++)
        {
            int at = Array.IndexOf(free[i].Tokens, stop);
            if (at < 0)
            {
                Assert.Equal(FinishReason.Length, stopped[i].FinishReason);
                Assert.Equal(free[i].Tokens, stopped[i].Tokens);
            }
            else
            {
                Assert.Equal(FinishReason.Stop, stopped[i].FinishReason);
                Assert.Equal(free[i].Tokens.Take(at + 1), stopped[i].Tokens);
            }
        }
        Assert.Equal(FinishReason.Stop, stopped[0].FinishReason);
        Assert.Equal(3, stopped[0].Tokens.Length);
    }

    [Fact]
    public void RejectsPromptsThatDoNotFit()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var gen = new Generator(model, maxBatch: 1, maxLength: 32);
        var ex = Assert.Throws<RealmException>(() => gen.Generate(new[] { new int[30] }, new SamplingOptions { MaxNewTokens = 10 }));
        Assert.Contains("exceeds the maximum length", ex.Message);
        Assert.Throws<RealmException>(() => gen.Generate(new[] { new[] { 999 } }, new SamplingOptions { MaxNewTokens = 1 }));
    }
}
