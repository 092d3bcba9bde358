using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Serving;

public class ContinuousBatcherTests
{
    private static LlamaModel RandomModel(Cpu cpu, int context = 640)
    {
        var config = ModelGradientTests.TinyConfig(bias: true, tied: false) with { MaxPositionEmbeddings = context, VocabSize = 23 };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(11, std: 0.5f);
        return model;
    }

    private static int[] Prompt(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => rng.Next(1, 23)).ToArray();
    }

    private static Task<Completion> Complete(ContinuousBatcher batcher, SequenceRequest request)
    {
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([request], out var streams));
        return streams[0].Completion;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SequencesJoiningAndLeavingTheBatchGetWhatTheyGetAlone(bool greedy)
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        // Prompts longer than a prefill chunk (so prefill spans steps) and short ones; lengths vary so sequences end at different steps.
        var prompts = new[] { Prompt(5, 1), Prompt(300, 2), Prompt(17, 3), Prompt(600 - 30, 4), Prompt(2, 5), Prompt(40, 6) };
        var options = new SamplingOptions { Greedy = greedy, Temperature = 0.9f, TopP = 0.95f, MaxNewTokens = 30, Seed = 7, StopTokens = [3] };

        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 3, ContextLength = 640, MaxWaiting = 10 });
        var alone = new List<Completion>();
        for (int i = 0; i < prompts.Length; i++) alone.Add(await Complete(batcher, new SequenceRequest(prompts[i], options, i)));
        Assert.Equal(0, batcher.ActiveSequences);

        // The same prompts arriving at different moments, more of them than there are slots.
        var streams = new List<GenerationStream>();
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(prompts[i], options, i)], out var s));
            streams.Add(s[0]);
            if (i % 2 == 1) await streams[i - 1].Tokens.ReadAsync(); // let the batch run a little first
        }
        for (int i = 0; i < prompts.Length; i++)
        {
            var together = await streams[i].Completion;
            Assert.Equal(alone[i].Tokens, together.Tokens);
            Assert.Equal(alone[i].Logprobs, together.Logprobs);
            Assert.Equal(alone[i].FinishReason, together.FinishReason);
        }

        // And what the one-shot Generator gives for prompts short enough to prefill in one chunk.
        using var generator = new Generator(model, maxBatch: 6, maxLength: 640);
        var reference = generator.Generate(prompts, options);
        foreach (int i in new[] { 0, 2, 4, 5 }) Assert.Equal(reference[i].Tokens, alone[i].Tokens);
    }

    [Fact]
    public async Task TokensStreamAsSampledAndTheCompletionEndsTheStream()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 2, ContextLength = 64 });
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(6, 1), new SamplingOptions { Greedy = true, MaxNewTokens = 12 })], out var streams));
        var streamed = new List<int>();
        await foreach (int token in streams[0].Tokens.ReadAllAsync()) streamed.Add(token);
        var completion = await streams[0].Completion;
        Assert.Equal(completion.Tokens, streamed);
        Assert.Equal(12, streamed.Count);
        Assert.Equal(FinishReason.Length, completion.FinishReason);
    }

    [Fact]
    public async Task CancellingASequenceFreesItsSlotForTheNextOne()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 1, ContextLength = 640, MaxWaiting = 1 });
        using var cancel = new CancellationTokenSource();
        var endless = new SamplingOptions { Greedy = true, MaxNewTokens = 600 };
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(4, 1), endless, 0, cancel.Token)], out var first));
        await first[0].Tokens.ReadAsync();
        Assert.Equal(1, batcher.ActiveSequences);

        // One slot busy and one waiting place: a third sequence is refused, not queued.
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(4, 2), endless with { MaxNewTokens = 3 })], out var second));
        Assert.Equal(SubmitStatus.QueueFull, batcher.TrySubmit([new SequenceRequest(Prompt(4, 3), endless)], out _));

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first[0].Completion);
        Assert.Equal(3, (await second[0].Completion).Tokens.Length);
        SpinWait.SpinUntil(() => batcher.ActiveSequences == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(0, batcher.ActiveSequences);
        Assert.Equal(1, batcher.CompletedSequences);
    }

    [Fact]
    public async Task AWaitingSequenceThatIsCancelledGivesUpItsQueuePlaceAtOnce()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        // A first sequence so long (seconds: attention over 16k positions) that it cannot end on its own during the test.
        using var model = RandomModel(cpu, context: 16384);
        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 1, ContextLength = 16384, MaxWaiting = 1 });
        using var stopFirst = new CancellationTokenSource();
        using var leave = new CancellationTokenSource();
        var endless = new SamplingOptions { Greedy = true, MaxNewTokens = 16000 };
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(4, 1), endless, 0, stopFirst.Token)], out var first));
        await first[0].Tokens.ReadAsync();
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(4, 2), endless, 0, leave.Token)], out var waiting));
        Assert.Equal(SubmitStatus.QueueFull, batcher.TrySubmit([new SequenceRequest(Prompt(4, 3), endless)], out _));

        leave.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting[0].Completion);
        Assert.False(first[0].Completion.IsCompleted); // the slot is still busy, yet the queue has room again
        Assert.Equal(0, batcher.WaitingSequences);
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest(Prompt(4, 3), endless with { MaxNewTokens = 2 })], out _));
        stopFirst.Cancel();
    }

    [Fact]
    public async Task ChoicesOfOneRequestAreAllAcceptedOrAllRefused()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 2, ContextLength = 64, MaxWaiting = 1 });
        var options = new SamplingOptions { Temperature = 1f, MaxNewTokens = 20, Seed = 3 };
        var choices = Enumerable.Range(0, 4).Select(i => new SequenceRequest(Prompt(5, 1), options, i)).ToArray();
        Assert.Equal(SubmitStatus.QueueFull, batcher.TrySubmit(choices, out var none));
        Assert.Empty(none);
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit(choices[..3], out var three));
        var results = (await Task.WhenAll(three.Select(s => s.Completion))).Select(c => c.Tokens).ToArray();
        Assert.NotEqual(results[0], results[1]); // each choice has its own random stream

        batcher.StopAccepting();
        Assert.Equal(SubmitStatus.ShuttingDown, batcher.TrySubmit(choices[..1], out _));
    }

    [Fact]
    public async Task PromptsThatCannotRunAreUserErrors()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = RandomModel(cpu);
        using var batcher = new ContinuousBatcher(model, new ContinuousBatcherOptions { Slots = 1, ContextLength = 32 });
        var options = new SamplingOptions { Greedy = true, MaxNewTokens = 10 };
        Assert.Contains("exceeds the context of 32", Assert.Throws<RealmException>(() => batcher.TrySubmit([new SequenceRequest(Prompt(23, 1), options)], out _)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<RealmException>(() => batcher.TrySubmit([new SequenceRequest([1, 99], options)], out _)).Message);
        Assert.Contains("empty", Assert.Throws<RealmException>(() => batcher.TrySubmit([new SequenceRequest([], options)], out _)).Message);
        Assert.Equal(SubmitStatus.Accepted, batcher.TrySubmit([new SequenceRequest([1, 2], options with { MaxNewTokens = 0 })], out var empty));
        Assert.Empty((await empty[0].Completion).Tokens);
    }
}
