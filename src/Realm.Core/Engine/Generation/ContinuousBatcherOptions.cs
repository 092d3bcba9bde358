namespace Realm.Engine.Generation;

/// <summary>How many sequences a <see cref="ContinuousBatcher"/> runs at once and how many may wait.</summary>
public sealed record ContinuousBatcherOptions
{
    /// <summary>KV-cache slots: sequences decoded together in one step.</summary>
    public int Slots { get; init; } = 16;

    /// <summary>Longest prompt + completion of one sequence, in tokens (capped by the model's max_position_embeddings).</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Sequences that may wait for a free slot; a submission beyond it is refused, not queued.</summary>
    public int MaxWaiting { get; init; } = 64;

    public void Validate()
    {
        if (Slots < 1) throw new RealmException($"slots must be at least 1, got {Slots}");
        if (ContextLength < 2) throw new RealmException($"context length must be at least 2, got {ContextLength}");
        if (MaxWaiting < 0) throw new RealmException($"the waiting queue must hold 0 or more sequences, got {MaxWaiting}");
    }
}
