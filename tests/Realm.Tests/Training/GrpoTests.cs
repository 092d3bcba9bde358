using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Tests.Method;
using Realm.Training;

namespace Realm.Tests.Training;

public class GrpoTests
{
    [Fact]
    public void AdvantagesMatchHandComputation()
    {
        // Group 1: rewards 1, 0, 0, 1 → mean 0.5, sample std = sqrt(4·0.25/3) = 0.57735.
        // Group 2: all 0.3 → zero std, advantages 0.
        var rewards = new[] { 1.0, 0, 0, 1, 0.3, 0.3, 0.3, 0.3 };
        var (a, zero) = GrpoMath.Advantages(rewards, 4, scale: true);
        double std = Math.Sqrt(1.0 / 3);
        Assert.Equal(0.5 / (std + 1e-4), a[0], 9);
        Assert.Equal(-0.5 / (std + 1e-4), a[1], 9);
        Assert.All(a[4..], x => Assert.Equal(0, x, 12));
        Assert.Equal(1, zero);
        var (dr, _) = GrpoMath.Advantages(rewards, 4, scale: false); // Dr. GRPO: no std division
        Assert.Equal(new[] { 0.5, -0.5, -0.5, 0.5 }, dr[..4]);
    }

    [Theory]
    [InlineData(1.0, 0.0, 1.0)] // 1.1
    [InlineData(0.0, 1.0, 1.0)] // 0.6
    [InlineData(1.0, 1.0, 1.0)] // 1.6
    [InlineData(1.0, 0.5, 1.0)] // 1.35
    [InlineData(0.0, 1.0 / 3, 1.0)]
    public void GroupsOfEqualWeightedRewardsAreZeroStdWithZeroAdvantage(double answer, double verification, double format)
    {
        // Defect (issue 10): the mean of eight equal non-0/1 rewards can differ from them in the last bit,
        // so the group was not seen as zero-std and got advantages of ~1e-13 instead of 0.
        double r = 1.0 * answer + 0.5 * verification + 0.1 * format;
        var rewards = Enumerable.Repeat(r, 8).Concat([1.0, 0, 0, 1, 0, 0, 1, 0]).ToArray();
        var (a, zero) = GrpoMath.Advantages(rewards, 8, scale: true);
        Assert.Equal(1, zero);
        Assert.All(a[..8], x => Assert.Equal(0.0, x));
        Assert.NotEqual(0.0, a[8]);
    }

    [Fact]
    public void TokenCoefficientsFollowTheClippedObjective()
    {
        // Unclipped, first iteration (ratio 1): d(loss)/d(logp) = −A / tokens.
        var (k, clipped, kl) = GrpoMath.TokenCoefficient(2.0, -1.0f, -1.0f, null, 0.2, 0.2, 0, 10);
        Assert.Equal(-0.2f, k, 6);
        Assert.False(clipped);
        Assert.Equal(0, kl);
        // Positive advantage, ratio e^0.3 = 1.35 > 1.2: clipped, no gradient.
        (k, clipped, _) = GrpoMath.TokenCoefficient(1.0, -0.7f, -1.0f, null, 0.2, 0.2, 0, 10);
        Assert.True(clipped);
        Assert.Equal(0f, k);
        // Same ratio with a higher upper clip (0.4): not clipped, gradient −r·A/tokens.
        (k, clipped, _) = GrpoMath.TokenCoefficient(1.0, -0.7f, -1.0f, null, 0.2, 0.4, 0, 10);
        Assert.False(clipped);
        Assert.Equal((float)(-Math.Exp(0.3) / 10), k, 5);
        // Negative advantage, ratio e^-0.3 = 0.74 < 0.8: clipped.
        (_, clipped, _) = GrpoMath.TokenCoefficient(-1.0, -1.3f, -1.0f, null, 0.2, 0.2, 0, 10);
        Assert.True(clipped);
        // k3 KL: ref − logp = 0.5 → kl = e^0.5 − 0.5 − 1, gradient β·(1 − e^0.5) added.
        (k, _, kl) = GrpoMath.TokenCoefficient(0.0, -1.0f, -1.0f, -0.5f, 0.2, 0.2, 0.1, 1);
        Assert.Equal(Math.Exp(0.5) - 1.5, kl, 6);
        Assert.Equal((float)(0.1 * (1 - Math.Exp(0.5))), k, 6);
    }

    private static readonly ByteTokenizer Tokenizer = new();

    private static LlamaModel TinyModel(Cpu cpu)
    {
        var config = new LlamaConfig
        {
            HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1,
            VocabSize = Tokenizer.VocabSize, MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
        };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(5, std: 0.05f);
        return model;
    }

    private static GrpoConfig Config => new()
    {
        Steps = 30, PromptsPerStep = 4, Generations = 8, MaxNewTokens = 4, Seed = 3, CheckpointEvery = 1000,
        Optimizer = new OptimizerConfig { LearningRate = 2e-2f, WarmupSteps = 0, Decay = DecayShape.Constant, AdamW = new AdamWOptions { WeightDecay = 0 } },
    };

    [Fact]
    public void MeanRewardRisesOnATriviallyLearnableTask()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = TinyModel(cpu);
        var history = new List<GrpoProgress>();
        GrpoTestKit.Trainer(model, Config, null)
            .Run(history.Add);
        double first = history.Take(5).Average(h => h.RewardMean), last = history.TakeLast(5).Average(h => h.RewardMean);
        Assert.True(last > first + 0.3, $"mean reward {first:F3} → {last:F3}");
        Assert.All(history, h => Assert.InRange(h.FracZeroStd, 0, 1));
    }

    [Fact]
    public void AKilledRunResumesToTheSameWeights()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        var config = Config with { Steps = 4, Beta = 0.05, Iterations = 2, CheckpointEvery = 2 };
        using var straight = TinyModel(cpu);
        GrpoTestKit.Trainer(straight, config, null).Run();

        using var dir = new TempDirectory();
        using (var first = TinyModel(cpu))
        {
            using var cts = new CancellationTokenSource();
            var trainer = GrpoTestKit.Trainer(first, config, dir.Path);
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(p => { if (p.Step == 3) cts.Cancel(); }, cts.Token));
        }
        using var resumed = TinyModel(cpu);
        var steps = new List<long>();
        GrpoTestKit.Trainer(resumed, config, dir.Path)
            .Run(p => steps.Add(p.Step));
        Assert.Equal(new long[] { 4 }, steps);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
    }

    /// <summary>A reward plug-in that always gives the same score.</summary>
    private sealed class Constant(string name, double value) : IRewardFunction<ProblemPrompt>
    {
        public string Name => name;
        public double Score(ProblemPrompt prompt, string completion) => value;
    }

    [Fact]
    public void GroupsWithEqualWeightedRewardsAreCountedAndNotTrainedOn()
    {
        // Defect (issue 10): with weights 1, 0.5, 0.1 every completion scores 1.1, yet the groups got
        // advantages of ~1e-13, were trained on, and AdamW turned those into real updates.
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = TinyModel(cpu);
        var before = model.Weights.Span.ToArray();
        var config = Config with
        {
            Steps = 2, Rewards = [new("answer", 1.0), new("verification", 0.5), new("format", 0.1)],
        };
        var history = new List<GrpoProgress>();
        GrpoTestKit.Trainer(model, config, null, new Constant("answer", 1), new Constant("verification", 0), new Constant("format", 1))
            .Run(history.Add);
        Assert.All(history, h => Assert.Equal(1.0, h.FracZeroStd));
        Assert.Equal(before, model.Weights.Span.ToArray());
    }

    [Fact]
    public void EachRewardIsLoggedUnderItsNameWithItsWeight()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = TinyModel(cpu);
        var history = new List<GrpoProgress>();
        GrpoTestKit.Trainer(model, Config with { Steps = 1, Rewards = [new("digits", 2.0)] }, null, new DigitReward(), new Constant("half", 0.5))
            .Run(history.Add);
        var h = Assert.Single(history);
        Assert.Equal(["digits", "half"], h.Rewards.Select(r => r.Name));
        Assert.Equal([2.0, 1.0], h.Rewards.Select(r => r.Weight)); // unnamed in the config: weight 1
        Assert.Equal(0.5, h.Rewards[1].Mean, 12);
        Assert.Equal(0, h.Rewards[1].Std, 12);
        Assert.Equal(2.0 * h.Rewards[0].Mean + 0.5, h.RewardMean, 9);
        Assert.Equal(0, h.SourceMetrics["eaai_alpha"]); // the plain prompt policy's strength
    }

    [Fact]
    public void AConfigWeightingAMissingRewardIsRefused()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = TinyModel(cpu);
        var e = Assert.Throws<RealmException>(() => GrpoTestKit.Trainer(model, Config with { Rewards = [new("lenght", -0.1)] }, null));
        Assert.Contains("'lenght'", e.Message);
    }

    /// <summary>Prompts that are plain strings: the core needs no problems, domains or MRPV.</summary>
    private sealed class StringSource : IRolloutSource<string>
    {
        public IReadOnlyList<string> Draw(int count, double progress, ref SplitMix64 rng)
        {
            var prompts = new List<string>(count);
            for (int i = 0; i < count; i++) prompts.Add($"say {rng.NextInt(10)}:");
            return prompts;
        }
        public int[] Encode(string prompt) => [Tokenizer.BosId, .. Tokenizer.Encode(prompt)];
        public string Decode(int[] completion) => Tokenizer.Decode(completion.Where(t => t != Tokenizer.EosId).ToArray());
        public IReadOnlyList<int> StopIds => [Tokenizer.EosId];
        public IReadOnlyDictionary<string, double> Metrics(double progress) => new Dictionary<string, double>();
        public void AddSettings(RunSettings settings) => settings.Add("prompts", "say-digit");
    }

    private sealed class StringDigits : IRewardFunction<string>
    {
        public string Name => "digits";
        public double Score(string prompt, string completion) => completion.Count(char.IsAsciiDigit) / 4.0;
    }

    [Fact]
    public void TheCoreTrainsOnAnyPromptType()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = TinyModel(cpu);
        var history = new List<GrpoProgress>();
        new GrpoTrainer<string>(model, new StringSource(), [new StringDigits()], Config, null).Run(history.Add);
        double first = history.Take(5).Average(h => h.RewardMean), last = history.TakeLast(5).Average(h => h.RewardMean);
        Assert.True(last > first + 0.3, $"mean reward {first:F3} → {last:F3}");
    }

    /// <summary>Flat (always 0) for prompts asking for a digit below 5, the digit count otherwise.</summary>
    private sealed class HalfFlat : IRewardFunction<string>
    {
        public string Name => "half-flat";
        public double Score(string prompt, string completion) => prompt[4] < '5' ? 0 : completion.Count(char.IsAsciiDigit);
    }

    [Fact]
    public void DynamicSamplingRefillsFlatGroupsAndCountsWhatItSampled()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        var config = Config with { Steps = 3, PromptsPerStep = 8 };
        Assert.True(config.DynamicSampling); // DAPO's dynamic sampling is the default
        List<GrpoProgress> Run(GrpoConfig c)
        {
            using var model = TinyModel(cpu);
            var history = new List<GrpoProgress>();
            new GrpoTrainer<string>(model, new StringSource(), [new HalfFlat()], c, null).Run(history.Add);
            return history;
        }
        var off = Run(config with { DynamicSampling = false });
        Assert.All(off, h => Assert.Equal(8 * 8, h.Rollouts));
        Assert.All(off, h => Assert.Equal(h.FracZeroStd, h.FracZeroStdRaw));

        var on = Run(config);
        Assert.All(on, h => Assert.InRange(h.Rollouts, 8 * 8, 3 * 8 * 8)); // at most two refill rounds
        Assert.Contains(on, h => h.Rollouts > 8 * 8);
        Assert.All(on, h => Assert.True(h.FracZeroStd <= h.FracZeroStdRaw, $"kept {h.FracZeroStd} vs raw {h.FracZeroStdRaw}"));
        Assert.True(on.Average(h => h.FracZeroStd) < off.Average(h => h.FracZeroStd) - 0.2,
            $"kept frac_zero_std {on.Average(h => h.FracZeroStd):F2} with refills vs {off.Average(h => h.FracZeroStd):F2} without");
        // Every sampled token counts, so the refills show in the generated tokens.
        Assert.All(on, h => Assert.True(h.GeneratedTokens >= h.Rollouts, $"{h.GeneratedTokens} tokens for {h.Rollouts} rollouts"));
    }
}
