namespace Realm.Domains;

/// <summary>
/// The dataset splits: "train" and "id" (in-distribution test) come from one distribution; "ood" is
/// harder and combines rules in ways train/id never do. Each domain documents its exact design.
/// </summary>
public static class Splits
{
    public const string Train = "train";
    public const string Id = "id";
    public const string Ood = "ood";
    public static IReadOnlyList<string> All { get; } = [Train, Id, Ood];

    /// <summary>True for "ood", false for "train" and "id"; anything else is a caller's bug.</summary>
    internal static bool IsOod(string split) => split switch
    {
        Train or Id => false,
        Ood => true,
        _ => throw new ArgumentException($"unknown split '{split}'; expected {string.Join(", ", All)}", nameof(split)),
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
