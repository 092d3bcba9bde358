using Realm.Engine.Compute;

namespace Realm.Engine.Generation;

/// <summary>A sequence's state inside a <see cref="ContinuousBatcher"/>: its slot, prompt progress, tokens and random stream.</summary>
internal sealed class BatchedSequence
{
    public readonly SequenceRequest Request;
    public readonly GenerationStream Stream = new();
    public readonly HashSet<int> Stops;
    /// <summary>Tokens the repetition penalty discourages (prompt and output), or null when it is off.</summary>
    public readonly HashSet<int>? Context;
    public readonly List<int> Tokens;
    public readonly List<float> Logprobs;
    public SplitMix64 Random;
    public int Slot = -1;
    /// <summary>Prompt tokens already in the KV cache.</summary>
    public int Prefilled;

    public BatchedSequence(SequenceRequest request)
    {
        Request = request;
        Stops = [.. request.Options.StopTokens];
        Context = request.Options.RepetitionPenalty != 1f ? [.. request.Prompt] : null;
        Tokens = new List<int>(Math.Min(request.Options.MaxNewTokens, 1024));
        Logprobs = new List<float>(Tokens.Capacity);
        Random = Generator.SequenceRandom(request.Options.Seed, request.RandomIndex);
    }

    public void Add(int token, float logprob)
    {
        Tokens.Add(token);
        Logprobs.Add(logprob);
        Context?.Add(token);
        Stream.Emit(token);
    }
}
