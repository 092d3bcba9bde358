using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Generation;

public class StreamingGeneratorTests
{
    private static LlamaModel RandomModel(Cpu cpu, int maxPositions = 96)
    {
        var config = ModelGradientTests.TinyConfig(bias: true, tied: false) with { MaxPositionEmbeddings = maxPositions, VocabSize = 23 };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(11, std: 0.5f);
        return model;
    }

    private static readonly SamplingOptions Sampled = new() { MaxNewTokens = 20, Temperature = 0.9f, TopK = 10, TopP = 0.95f, RepetitionPenalty = 1.3f, Seed = 42 };

    private static void AssertSame(Completion expected, Completion actual, string what)
    {
        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        TestSupport.AssertClose(actual.Logprobs, expected.Logprobs, 1e-5, what);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ChoosesWhatTheBatchedGeneratorChooses(bool greedy)
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        int[] prompt = [1, 2, 3, 4, 5, 6, 7];
        var options = Sampled with { Greedy = greedy };
        using var batched = new Generator(model, maxBatch: 1, maxLength: 96);
        using var streaming = new StreamingGenerator(model, maxLength: 96);
        var streamed = new List<int>();
        var completion = streaming.Generate(prompt, options, streamed.Add);
        AssertSame(batched.Generate([prompt], options)[0], completion, "logprobs");
        Assert.Equal(completion.Tokens, streamed);
        Assert.Equal(0, streaming.ReusedTokens);
    }

    [Fact]
    public void ReusesTheCachedPrefixAndGivesWhatAFreshRunGives()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var streaming = new StreamingGenerator(model, maxLength: 96);
        int[] first = [3, 1, 4, 1, 5, 9, 2, 6];
        var reply = streaming.Generate(first, Sampled);

        // The next turn: the first prompt, the reply and a new message.
        int[] second = [.. first, .. reply.Tokens, 8, 9, 7];
        var continued = streaming.Generate(second, Sampled with { Seed = 7 });
        Assert.Equal(first.Length + reply.Tokens.Length - 1, streaming.ReusedTokens); // the last reply token was never fed
        using (var fresh = new StreamingGenerator(model, maxLength: 96))
            AssertSame(fresh.Generate(second, Sampled with { Seed = 7 }), continued, "after reuse");

        // A prompt that departs from the cache after three tokens recomputes from there.
        int[] other = [3, 1, 4, 7, 7, 7];
        var departed = streaming.Generate(other, Sampled);
        Assert.Equal(3, streaming.ReusedTokens);
        using (var fresh = new StreamingGenerator(model, maxLength: 96))
            AssertSame(fresh.Generate(other, Sampled), departed, "after departing");

        streaming.Reset();
        streaming.Generate(other, Sampled);
        Assert.Equal(0, streaming.ReusedTokens);
    }

    [Fact]
    public void LongPromptsArePrefilledInChunks()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu, maxPositions: 640);
        var rng = new Random(3);
        int[] prompt = Enumerable.Range(0, 600).Select(_ => rng.Next(23)).ToArray();
        var options = Sampled with { MaxNewTokens = 8 };
        using var batched = new Generator(model, maxBatch: 1, maxLength: 640);
        using var streaming = new StreamingGenerator(model, maxLength: 640);
        AssertSame(batched.Generate([prompt], options)[0], streaming.Generate(prompt, options), "600-token prompt");
    }

    [Fact]
    public void StopsAtAStopTokenAndRejectsWhatDoesNotFit()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var streaming = new StreamingGenerator(model, maxLength: 32);
        var free = streaming.Generate([1, 2], Sampled);
        var stopped = streaming.Generate([1, 2], Sampled with { StopTokens = [free.Tokens[2]] });
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(free.Tokens.Take(Array.IndexOf(free.Tokens, free.Tokens[2]) + 1), stopped.Tokens);

        Assert.Contains("exceeds the maximum length 32", Assert.Throws<RealmException>(() => streaming.Generate(new int[20], Sampled)).Message);
        Assert.Throws<RealmException>(() => streaming.Generate([], Sampled));
        Assert.Empty(streaming.Generate([1], Sampled with { MaxNewTokens = 0 }).Tokens);
    }
}
