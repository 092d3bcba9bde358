using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>The kinds of mistake the expert teacher writes into negative routes.</summary>
public enum ErrorKind
{
    /// <summary>A step computes its arithmetic wrongly.</summary>
    ArithmeticSlip,
    /// <summary>A step applies a rule that does not apply here (or the wrong value of one).</summary>
    WrongRule,
    /// <summary>A rule that applies is left out.</summary>
    SkippedRule,
    /// <summary>A step copies a wrong number from the question or an earlier step.</summary>
    WrongOperand,
    /// <summary>The route stops before the last step and answers with an intermediate value.</summary>
    EarlyStop,
}

/// <summary>A domain's expert knowledge: numbered rules. Routes name them as "R1", "R2", ...</summary>
public sealed record Rulebook(string Id, IReadOnlyList<string> Rules)
{
    public string Render() => string.Join("\n", Rules.Select((r, i) => $"R{i + 1}. {r}"));
}

/// <summary>
/// A built-in domain (a small plugin, one file each): it generates problems, holds the rulebook, and is
/// the programmatic expert teacher that writes correct routes naming the rule at each step and
/// realistic wrong ones, and it verifies answers.
/// </summary>
public interface IDomain
{
    /// <summary>Short name used in problem ids and the dataset's "domain" field, e.g. "tariff".</summary>
    string Name { get; }
    Rulebook Rulebook { get; }
    /// <summary>Highest difficulty the generator supports (1 = easiest).</summary>
    int MaxDifficulty { get; }

    /// <summary>
    /// Rule pairs that never occur together in a train, dev, id or ood-length problem; every ood-compose
    /// problem has at least one.
    /// </summary>
    IReadOnlyList<(int A, int B)> HeldOutPairs { get; }

    /// <summary>
    /// The difficulties a split is generated with when the caller does not choose
    /// (<see cref="Splits.DefaultDifficulty"/>): train, dev and id share a range; ood-length is one
    /// step beyond it; ood-compose has training lengths with a held-out rule pair.
    /// </summary>
    (int Min, int Max) DefaultDifficulty(string split);

    /// <summary>The difficulties <see cref="Generate"/> accepts for a split (wider than the defaults).</summary>
    (int Min, int Max) AllowedDifficulty(string split);

    /// <summary>
    /// A new problem for a split (<see cref="Splits.All"/>; see <see cref="SplitShift"/> for how each
    /// differs from training). Deterministic given the generator state. With <paramref name="useRule"/>
    /// the problem is guaranteed to need that rule (used to target a student's mistakes); if the rule
    /// cannot occur at <paramref name="difficulty"/>, the nearest difficulty where it can is used and
    /// recorded in the problem. Throws ArgumentException for an unknown split, and
    /// ArgumentOutOfRangeException for a difficulty the split cannot have or a rule the rulebook lacks.
    /// </summary>
    Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null);

    /// <summary>The expert's correct route for a problem of this domain.</summary>
    Route Solve(Problem problem);

    /// <summary>
    /// A wrong route with the given kind of mistake and its first wrong step recorded: exactly the first
    /// step that differs from <see cref="Solve"/>'s route, or the position of the first missing step
    /// (steps+1 when the route is a prefix of the expert's). Its answer never verifies. Null when that
    /// kind cannot occur for this problem (e.g. nothing to stop early) or a few tries all gave the right
    /// answer by accident.
    /// </summary>
    Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng);

    /// <summary>True if <paramref name="answer"/> is the problem's answer (after the domain's normalisation).</summary>
    bool Verify(Problem problem, string answer);
}
