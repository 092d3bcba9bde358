namespace Realm.Teacher;

/// <summary>Where a collection stands: problems written this run and before, routes, their labels and the tokens spent.</summary>
public sealed record CollectionProgress
{
    /// <summary>Problems in the input.</summary>
    public int Total { get; init; }
    /// <summary>Problems the output held already when the run started (skipped).</summary>
    public int AlreadyDone { get; init; }
    /// <summary>Problems written by this run.</summary>
    public int Written { get; init; }
    public long Routes { get; init; }
    public long CorrectRoutes { get; init; }
    /// <summary>Routes without an "Answer:" line (kept, labelled wrong).</summary>
    public long RoutesWithoutAnswer { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long Retries { get; init; }
    /// <summary>Whether the output ended in a line cut short by a killed run, which was removed (that problem is asked again).</summary>
    public bool DroppedTornLine { get; init; }
    public TimeSpan Elapsed { get; init; }

    public int Remaining => Total - AlreadyDone - Written;

    public double ProblemsPerSecond => Elapsed.TotalSeconds > 0 ? Written / Elapsed.TotalSeconds : 0;

    /// <summary>At the rate of this run so far; unknown before the first problem is written.</summary>
    public TimeSpan? Eta => Written > 0 ? TimeSpan.FromSeconds(Remaining / ProblemsPerSecond) : null;
}
