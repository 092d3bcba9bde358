using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using static Realm.Tests.Domains.RouteInspection;

namespace Realm.Tests.Domains;

/// <summary>The promises every built-in domain keeps, checked on thousands of generated problems.</summary>
public class DomainInvariantTests
{
    private const int ProblemsPerDifficulty = 80;

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void PositiveRoutesVerifyAndNegativeRoutesRecordTheirFirstError(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var made = Enum.GetValues<ErrorKind>().ToDictionary(k => k, _ => 0);
        int problems = 0;
        foreach (var split in Splits.All)
            for (int difficulty = domain.AllowedDifficulty(split).Min; difficulty <= domain.AllowedDifficulty(split).Max; difficulty++)
            {
                var rng = new SplitMix64((ulong)(difficulty * 1000 + split.Length));
                for (int i = 0; i < ProblemsPerDifficulty; i++, problems++)
                {
                    var problem = domain.Generate(ref rng, split, difficulty, $"p{i}");
                    Assert.Equal((name, split, difficulty, domain.Rulebook.Id), (problem.Domain, problem.Split, problem.Difficulty, problem.Rulebook));
                    var expert = domain.Solve(problem);
                    Assert.True(expert.Correct && expert.FirstErrorStep == null);
                    Assert.True(domain.Verify(problem, expert.Answer), $"{problem.Question}: expert answer {expert.Answer} vs {problem.Answer}");
                    Assert.Equal(expert.Answer, RouteText.ExtractAnswer(expert.Text));
                    var expertSteps = RouteText.Steps(expert.Text);

                    foreach (var kind in Enum.GetValues<ErrorKind>())
                    {
                        if (domain.Corrupt(problem, kind, ref rng) is not { } route) continue;
                        made[kind]++;
                        string where = $"{kind} on {problem.Question}:\n{route.Text}";
                        var steps = RouteText.Steps(route.Text);
                        Assert.False(route.Correct, where);
                        Assert.False(domain.Verify(problem, route.Answer), where);
                        Assert.Equal(route.Answer, RouteText.ExtractAnswer(route.Text));
                        Assert.True(route.FirstErrorStep == FirstDifference(expertSteps, steps), $"{where}\nrecorded {route.FirstErrorStep}");
                        AssertKindShows(kind, expertSteps, steps, route.FirstErrorStep!.Value, where);
                    }
                }
            }
        // Every kind applies to most problems (a one-step problem has nothing to stop early, for instance).
        foreach (var (kind, count) in made)
            Assert.True(count > problems * 0.6, $"{kind}: made for only {count} of {problems} problems");
    }

    /// <summary>The mistake is of the kind it claims.</summary>
    private static void AssertKindShows(ErrorKind kind, List<string> expert, List<string> route, int firstError, string where)
    {
        switch (kind)
        {
            case ErrorKind.ArithmeticSlip:
                // Same operation, a result off by a little.
                string want = expert[firstError - 1], got = route[firstError - 1];
                Assert.True(want[..(want.LastIndexOf('=') + 1)] == got[..(got.LastIndexOf('=') + 1)], where);
                long diff = Math.Abs(long.Parse(want[(want.LastIndexOf('=') + 1)..]) - long.Parse(got[(got.LastIndexOf('=') + 1)..]));
                Assert.InRange(diff, 1, 10);
                break;
            case ErrorKind.EarlyStop:
                Assert.Equal(expert.Take(route.Count), route);
                Assert.True(route.Count < expert.Count && firstError == route.Count + 1, where);
                break;
            case ErrorKind.SkippedRule:
                // Some step the expert takes is missing (counting each rule as often as it is used).
                var left = RouteTextRules(route).ToList();
                bool missing = RouteTextRules(expert).Any(rule => !left.Remove(rule));
                Assert.True(missing, where);
                break;
            case ErrorKind.WrongOperand or ErrorKind.WrongRule:
                Assert.True(firstError <= route.Count, where); // a step is there, and it is wrong
                break;
        }
    }

    private static IEnumerable<int> RouteTextRules(List<string> steps) => steps.Select(s => int.Parse(s[1..s.IndexOf(':')]));

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void SameSeedSameProblemsAndRoutes(string name)
    {
        var domain = BuiltInDomains.Get(name);
        static List<string> Run(IDomain domain, ulong seed)
        {
            var rng = new SplitMix64(seed);
            var texts = new List<string>();
            for (int i = 0; i < 50; i++)
            {
                var p = domain.Generate(ref rng, Splits.Train, 1 + i % 4, "x");
                texts.Add(p.Question + "|" + p.Answer);
                foreach (var kind in Enum.GetValues<ErrorKind>()) texts.Add(domain.Corrupt(p, kind, ref rng)?.Text ?? "-");
            }
            return texts;
        }
        Assert.Equal(Run(domain, 7), Run(domain, 7));
        Assert.NotEqual(Run(domain, 7), Run(domain, 8));
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void HeldOutRuleCombinationsAppearOnlyInOod(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var pairs = domain.HeldOutPairs;
        var seenInOod = new HashSet<(int, int)>();
        foreach (var split in Splits.All)
            for (int difficulty = domain.AllowedDifficulty(split).Min; difficulty <= domain.AllowedDifficulty(split).Max; difficulty++)
            {
                var rng = new SplitMix64((ulong)difficulty);
                for (int i = 0; i < 150; i++)
                {
                    var problem = domain.Generate(ref rng, split, difficulty, "x");
                    var used = Rules(domain.Solve(problem).Text).ToHashSet();
                    var present = pairs.Where(p => used.Contains(p.A) && used.Contains(p.B)).ToList();
                    if (split == Splits.OodCompose) Assert.True(present.Count > 0, $"ood-compose problem without an unseen pair: {problem.Question}");
                    else Assert.True(present.Count == 0, $"{split} problem with held-out pair R{present.FirstOrDefault().A}+R{present.FirstOrDefault().B}: {problem.Question}");
                    seenInOod.UnionWith(split == Splits.OodCompose ? present.Select(p => (p.A, p.B)) : []);
                }
            }
        Assert.True(pairs.Count > 0);
        Assert.Equal(pairs.Count, seenInOod.Count); // every held-out pair is actually tested
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void OodLengthIsOneStepBeyondTrainingAndOodComposeKeepsItsLengths(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var (trainMin, trainMax) = domain.DefaultDifficulty(Splits.Train);
        Assert.Equal((trainMin, trainMax), domain.DefaultDifficulty(Splits.Id));
        Assert.Equal((trainMin, trainMax), domain.DefaultDifficulty(Splits.Dev));
        Assert.Equal((trainMax + 1, trainMax + 1), domain.DefaultDifficulty(Splits.OodLength)); // one step beyond training
        Assert.Equal((2, trainMax), domain.DefaultDifficulty(Splits.OodCompose));              // training lengths, unseen pairs
        Assert.True(trainMin == 1 && trainMax + 1 <= domain.AllowedDifficulty(Splits.OodLength).Max);
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void UseRuleGivesAProblemThatNeedsThatRule(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var rng = new SplitMix64(3);
        foreach (var split in Splits.All)
        {
            var (min, max) = domain.DefaultDifficulty(split);
            for (int difficulty = min; difficulty <= max; difficulty++)
                for (int rule = 1; rule <= domain.Rulebook.Rules.Count; rule++)
                    for (int i = 0; i < 3; i++)
                    {
                        var problem = domain.Generate(ref rng, split, difficulty, "x", rule);
                        Assert.Contains(rule, Rules(domain.Solve(problem).Text));
                        Assert.Equal(split, problem.Split);
                        Assert.InRange(problem.Difficulty, domain.AllowedDifficulty(split).Min, domain.AllowedDifficulty(split).Max);
                    }
        }
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void VerifyComparesNormalisedIntegersAndNeverThrows(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var problem = new Problem { Id = "x", Domain = name, Question = "?", Answer = "54" };
        foreach (var same in new[] { "54", " 054 ", "+54", "54\n" }) Assert.True(domain.Verify(problem, same), same);
        foreach (var other in new[] { "55", "-54", "54.0", "5 4", "fifty-four", "", "Answer: 54", new string('9', 5000), null! })
            Assert.False(domain.Verify(problem, other), other);
        Assert.False(domain.Verify(new Problem { Id = "x", Domain = name, Question = "?", Answer = "n/a" }, "n/a"));
    }

    [Theory]
    [InlineData("arith", "17+")]
    [InlineData("arith", "3 apples")]
    [InlineData("arith", "(2+3")]
    [InlineData("arith", "7/0")]
    [InlineData("tariff", "7kg zone E")]
    [InlineData("tariff", "zone B 7kg")]
    [InlineData("tariff", "7kg zone B express express")]
    [InlineData("tariff", "7kg zone B gift")]
    public void QuestionsOutsideTheDomainAreUserErrors(string name, string question)
    {
        var domain = BuiltInDomains.Get(name);
        var problem = new Problem { Id = "x", Domain = name, Question = question, Answer = "1" };
        var e = Assert.Throws<RealmException>(() => domain.Solve(problem));
        Assert.Contains(question, e.Message);
        var rng = new SplitMix64(1);
        Assert.Throws<RealmException>(() => domain.Corrupt(problem, ErrorKind.ArithmeticSlip, ref rng));
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(RouteInspection))]
    public void ImpossibleRequestsAreRefused(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var rng = new SplitMix64(1);
        Assert.Throws<ArgumentException>(() => domain.Generate(ref rng, "test", 1, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => domain.Generate(ref rng, Splits.Train, 0, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => domain.Generate(ref rng, Splits.OodCompose, 1, "x")); // an unseen pair needs two
        Assert.Throws<ArgumentOutOfRangeException>(() => domain.Generate(ref rng, Splits.Train, domain.MaxDifficulty + 1, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => domain.Generate(ref rng, Splits.Train, 1, "x", domain.Rulebook.Rules.Count + 1));
    }

    [Fact]
    public void UnknownDomainNamesTheBuiltInOnes()
    {
        var e = Assert.Throws<RealmException>(() => BuiltInDomains.Get("chess"));
        Assert.Contains("'chess'", e.Message);
        Assert.Contains("arith, tariff, payroll", e.Message);
        Assert.Equal(["arith", "tariff", "payroll"], BuiltInDomains.All.Select(d => d.Name));
    }
}
