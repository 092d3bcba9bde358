namespace Realm.Engine.Generation;

/// <summary>
/// One sequence for a <see cref="ContinuousBatcher"/>: a prompt and how to continue it.
/// <paramref name="RandomIndex"/> picks the sequence's random stream from (Options.Seed, index), as the
/// index of a prompt in <see cref="Generator.Generate"/> does: the n choices of one request use 0..n-1.
/// Cancelling <paramref name="Cancel"/> ends the sequence with OperationCanceledException and frees its slot.
/// </summary>
public sealed record SequenceRequest(int[] Prompt, SamplingOptions Options, int RandomIndex = 0, CancellationToken Cancel = default);

/// <summary>What became of a submission to a <see cref="ContinuousBatcher"/>.</summary>
public enum SubmitStatus
{
    Accepted,
    /// <summary>The waiting queue is full: try again later.</summary>
    QueueFull,
    /// <summary>The batcher is shutting down and takes no new work.</summary>
    ShuttingDown,
}
