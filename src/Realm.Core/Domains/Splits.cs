namespace Realm.Domains;

/// <summary>How a split's problems differ from the training distribution.</summary>
public enum SplitShift
{
    /// <summary>Drawn like the training problems ("train", "dev", "id").</summary>
    None,
    /// <summary>One step (condition, operation) longer than any training problem, rule combinations as in training.</summary>
    Length,
    /// <summary>Training lengths, but every problem combines rules that never occur together in training.</summary>
    Compose,
}

/// <summary>
/// The dataset splits. "train", "dev" (for all tuning) and "id" (the in-distribution test) come from one
/// distribution. The two out-of-distribution tests each shift one thing: "ood-length" is one step longer
/// than training, "ood-compose" combines held-out rule pairs at training lengths (docs/domains.md).
/// </summary>
public static class Splits
{
    public const string Train = "train";
    public const string Dev = "dev";
    public const string Id = "id";
    public const string OodLength = "ood-length";
    public const string OodCompose = "ood-compose";
    public static IReadOnlyList<string> All { get; } = [Train, Dev, Id, OodLength, OodCompose];

    /// <summary>The test splits, in the order tables show them; tuning never looks at these.</summary>
    public static IReadOnlyList<string> Tests { get; } = [Id, OodLength, OodCompose];

    /// <summary>The shift of a built-in split; anything else is a caller's bug.</summary>
    public static SplitShift ShiftOf(string split) => split switch
    {
        Train or Dev or Id => SplitShift.None,
        OodLength => SplitShift.Length,
        OodCompose => SplitShift.Compose,
        _ => throw new ArgumentException($"unknown split '{split}'; expected {string.Join(", ", All)}", nameof(split)),
    };

    /// <summary>
    /// The default difficulties of a domain whose training problems have difficulty 1..<paramref name="trainMax"/>:
    /// the same for dev and id, one more for ood-length, and 2..trainMax for ood-compose (a held-out pair takes two).
    /// </summary>
    public static (int Min, int Max) DefaultDifficulty(string split, int trainMax) => ShiftOf(split) switch
    {
        SplitShift.None => (1, trainMax),
        SplitShift.Length => (trainMax + 1, trainMax + 1),
        _ => (2, trainMax),
    };

    /// <summary>
    /// Difficulties to try for a request: the requested one, then (only when <paramref name="widen"/>,
    /// i.e. when a rule must occur that may not fit) the nearest others within [min, max], lower first.
    /// </summary>
    internal static IEnumerable<int> DifficultiesToTry(int requested, int min, int max, bool widen)
    {
        yield return requested;
        if (!widen) yield break;
        for (int distance = 1; distance <= max - min; distance++)
        {
            if (requested - distance >= min) yield return requested - distance;
            if (requested + distance <= max) yield return requested + distance;
        }
    }

    internal static void CheckDifficulty(string domain, string split, int difficulty, int min, int max)
    {
        if (difficulty < min || difficulty > max)
            throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty,
                $"{domain} {split} problems have difficulty {min}..{max}");
    }
}
