using Realm.Engine.Compute;
using Realm.Engine.Generation;

namespace Realm.Tests.Generation;

public class SamplerTests
{
    private static readonly float[] Logits = { 2f, 1f, 0.5f, -1f, 3f, 0f };

    private static double[] Softmax(float[] z, float t)
    {
        var e = z.Select(x => Math.Exp(x / t)).ToArray();
        double s = e.Sum();
        return e.Select(x => x / s).ToArray();
    }

    private static double[] Frequencies(SamplingOptions o, IReadOnlySet<int>? context = null, int draws = 40000)
    {
        var sampler = new Sampler();
        var rng = new SplitMix64(7);
        var counts = new double[Logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample(Logits, o, ref rng, out _, context)]++;
        return counts.Select(c => c / draws).ToArray();
    }

    [Fact]
    public void GreedyTakesTheArgmaxAndReportsItsLogprob()
    {
        var rng = new SplitMix64(1);
        int t = new Sampler().Sample(Logits, new SamplingOptions { Greedy = true }, ref rng, out float lp);
        Assert.Equal(4, t);
        Assert.Equal(Math.Log(Softmax(Logits, 1f)[4]), lp, 5);
    }

    [Fact]
    public void TemperatureSamplingFollowsTheDistribution()
    {
        var f = Frequencies(new SamplingOptions { Temperature = 0.7f });
        var p = Softmax(Logits, 0.7f);
        for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(f[i] - p[i]) < 0.01, $"token {i}: {f[i]:F4} vs {p[i]:F4}");
    }

    [Fact]
    public void TopKAndTopPTruncateThenRenormalise()
    {
        var topK = Frequencies(new SamplingOptions { TopK = 2 });
        var p = Softmax(Logits, 1f);
        double mass = p[4] + p[0];
        Assert.True(Math.Abs(topK[4] - p[4] / mass) < 0.01);
        Assert.True(Math.Abs(topK[0] - p[0] / mass) < 0.01);
        Assert.Equal(0, topK[1] + topK[2] + topK[3] + topK[5]);

        // p = [0.57.., 0.21.., ...]: top-p 0.7 keeps the two most likely tokens (0.57 alone is below 0.7).
        var topP = Frequencies(new SamplingOptions { TopP = 0.7f });
        Assert.True(topP[4] > 0 && topP[0] > 0);
        Assert.Equal(0, topP[1] + topP[2] + topP[3] + topP[5]);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<RealmException>(() => new SamplingOptions { Temperature = 0 }.Validate());
        Assert.Throws<RealmException>(() => new SamplingOptions { TopP = 0 }.Validate());
        Assert.Throws<RealmException>(() => new SamplingOptions { TopK = -1 }.Validate());
        Assert.Throws<RealmException>(() => new SamplingOptions { RepetitionPenalty = 0 }.Validate());
        new SamplingOptions { Temperature = 0, Greedy = true }.Validate();
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens()
    {
        // Seen 4, 0 and 3 with penalty 4: logits [0.5, 1, 0.5, -4, 0.75, 0], so greedy takes 1; the
        // reported log-probability stays the model's own.
        var greedy = new SamplingOptions { Greedy = true, RepetitionPenalty = 4f };
        var rng = new SplitMix64(1);
        int t = new Sampler().Sample(Logits, greedy, ref rng, out float lp, new HashSet<int> { 4, 0, 3 });
        Assert.Equal(1, t);
        Assert.Equal(Math.Log(Softmax(Logits, 1f)[1]), lp, 5);
        Assert.Equal(4, new Sampler().Sample(Logits, greedy, ref rng, out _, context: null));
        Assert.Equal(4, new Sampler().Sample(Logits, greedy with { RepetitionPenalty = 1f }, ref rng, out _, new HashSet<int> { 4 }));

        var f = Frequencies(new SamplingOptions { RepetitionPenalty = 2f }, new HashSet<int> { 4, 3 });
        var p = Softmax([2f, 1f, 0.5f, -2f, 1.5f, 0f], 1f);
        for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(f[i] - p[i]) < 0.01, $"token {i}: {f[i]:F4} vs {p[i]:F4}");
    }
}
