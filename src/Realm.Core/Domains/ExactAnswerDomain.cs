using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// A user's own domain, known only through its dataset: answers verify by exact match after trimming,
/// case folding and number normalisation ("042" = "42", "3.50" = "3.5"). It cannot generate problems or
/// write routes; the routes must come with the data (e.g. from `realm teacher collect`).
/// </summary>
public sealed class ExactAnswerDomain(string name) : IDomain
{
    public string Name { get; } = name;
    public Rulebook Rulebook { get; } = new($"{name}-external", []);
    public int MaxDifficulty => 1;
    public IReadOnlyList<(int A, int B)> HeldOutPairs => [];
    public (int Min, int Max) DefaultDifficulty(string split) => (1, 1);
    public (int Min, int Max) AllowedDifficulty(string split) => (1, 1);

    public Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null) =>
        throw new RealmException($"domain '{Name}' is not built in: its problems come from a dataset file, not a generator");

    public Route Solve(Problem problem) =>
        problem.Routes.FirstOrDefault(r => r.Correct)
        ?? throw new RealmException($"problem {problem.Id}: domain '{Name}' has no expert; the dataset must hold a correct route");

    public Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng) => null;

    public bool Verify(Problem problem, string answer) => Normalise(answer) == Normalise(problem.Answer);

    private static string Normalise(string text)
    {
        var t = text.Trim().TrimEnd('.').ToLowerInvariant();
        return decimal.TryParse(t, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d.ToString("G29", System.Globalization.CultureInfo.InvariantCulture) : t;
    }
}
