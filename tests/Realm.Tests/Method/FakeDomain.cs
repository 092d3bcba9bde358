using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;

namespace Realm.Tests.Method;

/// <summary>A minimal domain for method tests: "a+b" problems whose answer is the sum.</summary>
internal sealed class FakeDomain : IDomain
{
    public string Name => "fake";
    public Rulebook Rulebook { get; } = new("fake-v1", ["add the two numbers"]);
    public int MaxDifficulty => 1;
    public IReadOnlyList<(int A, int B)> HeldOutPairs => [];
    public (int Min, int Max) DefaultDifficulty(string split) => (1, 1);
    public (int Min, int Max) AllowedDifficulty(string split) => (1, 1);

    public Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null)
    {
        int a = rng.NextInt(10), b = rng.NextInt(10);
        var p = new Problem { Id = id, Domain = Name, Question = $"{a}+{b}", Answer = (a + b).ToString(), Split = split };
        p.Routes.Add(Solve(p));
        p.Routes.Add(Corrupt(p, ErrorKind.ArithmeticSlip, ref rng)!);
        return p;
    }

    public Route Solve(Problem problem)
    {
        var parts = problem.Question.Split('+').Select(int.Parse).ToArray();
        return new Route { Text = RouteText.Format([$"R1: {parts[0]}+{parts[1]}={parts[0] + parts[1]}"], problem.Answer), Answer = problem.Answer, Correct = true };
    }

    public Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng)
    {
        var parts = problem.Question.Split('+').Select(int.Parse).ToArray();
        int wrong = parts[0] + parts[1] + 1;
        return new Route { Text = RouteText.Format([$"R1: {parts[0]}+{parts[1]}={wrong}"], wrong.ToString()), Answer = wrong.ToString(), Correct = false, FirstErrorStep = 1 };
    }

    public bool Verify(Problem problem, string answer) => int.TryParse(answer.Trim(), out int v) && v.ToString() == problem.Answer;
}
