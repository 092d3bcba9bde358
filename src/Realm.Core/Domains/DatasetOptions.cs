using Realm.Data;

namespace Realm.Domains;

/// <summary>What <see cref="DatasetBuilder"/> makes: problems per split, seed, difficulties and routes per problem.</summary>
public sealed class DatasetOptions
{
    public int Train { get; init; } = 2000;
    /// <summary>Problems for tuning, drawn like train but held out from it and from the tests.</summary>
    public int Dev { get; init; } = 200;
    public int Id { get; init; } = 300;
    public int OodLength { get; init; } = 300;
    public int OodCompose { get; init; } = 300;
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Correct routes per problem, at most as many distinct ones as the teacher can write: a built-in
    /// domain's expert writes exactly one, so any value above 1 gives one.
    /// </summary>
    public int Positives { get; init; } = 1;

    /// <summary>Negative routes per problem, of different error kinds where the problem allows (fewer when it does not).</summary>
    public int Negatives { get; init; } = 2;

    /// <summary>Difficulty range per split (<see cref="Splits.All"/>); a split not listed uses the domain's default.</summary>
    public IReadOnlyDictionary<string, (int Min, int Max)> Difficulty { get; init; } = new Dictionary<string, (int, int)>();

    public int Count(string split) => split switch
    {
        Splits.Train => Train,
        Splits.Dev => Dev,
        Splits.Id => Id,
        Splits.OodLength => OodLength,
        Splits.OodCompose => OodCompose,
        _ => throw new ArgumentException($"unknown split '{split}'", nameof(split)),
    };

    public (int Min, int Max) DifficultyOf(IDomain domain, string split) =>
        Difficulty.TryGetValue(split, out var range) ? range : domain.DefaultDifficulty(split);

    public void Validate(IDomain domain)
    {
        foreach (var split in Splits.All)
        {
            if (Count(split) < 0) throw new RealmException($"--{split} must be at least 0, got {Count(split)}");
            var (min, max) = DifficultyOf(domain, split);
            var (low, high) = domain.AllowedDifficulty(split);
            if (min < low || max > high || min > max)
                throw new RealmException($"difficulty of {split} must be a range within {low}..{high} for {domain.Name}, got {min}..{max}");
        }
        foreach (var split in Difficulty.Keys.Where(s => !Splits.All.Contains(s)))
            throw new RealmException($"difficulty given for unknown split '{split}'; splits are {string.Join(", ", Splits.All)}");
        if (Positives < 0) throw new RealmException($"--positives must be at least 0, got {Positives}");
        if (Negatives < 0) throw new RealmException($"--negatives must be at least 0, got {Negatives}");
    }
}
