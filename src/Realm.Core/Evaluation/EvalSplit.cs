namespace Realm.Evaluation;

/// <summary>
/// The splits methods are evaluated on (docs/method.md, "Evaluation"): dev for tuning, and the three
/// tests. Names match the dataset's split field (Realm.Domains.Splits).
/// </summary>
public static class EvalSplit
{
    /// <summary>Tuning split: drawn like train, never trained on; choices are made here, never on the tests.</summary>
    public const string Dev = "dev";

    /// <summary>In-distribution: held-out problems drawn like the training ones.</summary>
    public const string Id = "id";

    /// <summary>Out-of-distribution by length: one step beyond any training problem.</summary>
    public const string OodLength = "ood-length";

    /// <summary>Out-of-distribution by composition: rule pairs never seen together in training.</summary>
    public const string OodCompose = "ood-compose";

    /// <summary>The single OOD split of results made before step 7 (longer and with unseen pairs at once); read, never written.</summary>
    public const string LegacyOod = "ood";

    /// <summary>The test splits, in the order tables show them.</summary>
    public static IReadOnlyList<string> Tests { get; } = [Id, OodLength, OodCompose];

    /// <summary>Every split a result row may name, in table order.</summary>
    public static IReadOnlyList<string> All { get; } = [Dev, Id, OodLength, OodCompose, LegacyOod];

    public static bool IsKnown(string split) => All.Contains(split);

    /// <summary>True for the out-of-distribution tests (including the legacy one).</summary>
    public static bool IsOod(string split) => split is OodLength or OodCompose or LegacyOod;
}
