namespace Realm.Evaluation;

/// <summary>The two test splits every method is evaluated on (docs/method.md, "Evaluation").</summary>
public static class EvalSplit
{
    /// <summary>In-distribution: held-out problems drawn like the training ones.</summary>
    public const string Id = "id";

    /// <summary>Out-of-distribution: harder problems and rule combinations not seen in training.</summary>
    public const string Ood = "ood";

    /// <summary>Both splits, in the order tables show them.</summary>
    public static IReadOnlyList<string> All { get; } = [Id, Ood];

    public static bool IsKnown(string split) => split is Id or Ood;
}
