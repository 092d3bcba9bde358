using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using static Realm.Tests.Domains.RouteInspection;

namespace Realm.Tests.Domains;

public class ArithmeticDomainTests
{
    private readonly ArithmeticDomain _domain = new();

    private Route Solve(string question) =>
        _domain.Solve(new Problem { Id = "x", Domain = "arith", Question = question, Answer = "0" });

    [Theory]
    [InlineData("17+25*3-9", "1. R2: 25*3=75\n2. R3: 17+75=92\n3. R3: 92-9=83\nAnswer: 83")]
    [InlineData("(4+6)*3-8/2", "1. R1: 4+6=10\n2. R2: 10*3=30\n3. R4: 8/2=4\n4. R3: 30-4=26\nAnswer: 26")]
    [InlineData("17/5+17%5", "1. R4: 17/5=3\n2. R5: 17%5=2\n3. R3: 3+2=5\nAnswer: 5")]
    [InlineData("3-8+1", "1. R6: 3-8=-5\n2. R3: -5+1=-4\nAnswer: -4")]
    [InlineData("20-(3+2)-4", "1. R1: 3+2=5\n2. R3: 20-5=15\n3. R3: 15-4=11\nAnswer: 11")]
    [InlineData("2*((1+2)*3)", "1. R1: 1+2=3\n2. R1: 3*3=9\n3. R2: 2*9=18\nAnswer: 18")]
    [InlineData("(7)", "Answer: 7")]
    public void TheExpertFollowsTheRulebook(string question, string route)
    {
        var solved = Solve(question);
        Assert.Equal(route, solved.Text);
        Assert.Equal(RouteText.ExtractAnswer(route), solved.Answer);
    }

    [Fact]
    public void RulebookHasSixRules()
    {
        Assert.Equal("arith-v1", _domain.Rulebook.Id);
        Assert.Equal(6, _domain.Rulebook.Rules.Count);
        Assert.StartsWith("R1. Work out brackets first", _domain.Rulebook.Render());
    }

    [Fact]
    public void DifficultyIsTheNumberOfOperationsAndNumbersStaySmall()
    {
        var rng = new SplitMix64(5);
        foreach (var split in Splits.All)
            for (int difficulty = _domain.AllowedDifficulty(split).Min; difficulty <= 6; difficulty++)
                for (int i = 0; i < 40; i++)
                {
                    var problem = _domain.Generate(ref rng, split, difficulty, "x");
                    var steps = RouteText.Steps(_domain.Solve(problem).Text);
                    Assert.Equal(difficulty, steps.Count);
                    Assert.Equal(difficulty, problem.Question.Count(c => c is '+' or '-' or '*' or '/' or '%'));
                    foreach (var number in steps.SelectMany(s => s[(s.IndexOf(':') + 2)..].Split('+', '*', '/', '%', '=')))
                        Assert.InRange(Math.Abs(long.Parse(number.TrimStart('-').Split('-')[0])), 0, 999);
                }
    }

    [Fact]
    public void WrongRuleRoutesMisapplyARule()
    {
        // 17+25*3 done left to right (R2 ignored), or 17/5 rounded up, or 3-8 without its minus sign.
        var seen = new HashSet<string>();
        foreach (var question in new[] { "17+25*3", "17/5+1", "3-8+20" })
        {
            var problem = new Problem { Id = "x", Domain = "arith", Question = question, Answer = Solve(question).Answer };
            for (ulong seed = 0; seed < 20; seed++)
            {
                var rng = new SplitMix64(seed);
                if (_domain.Corrupt(problem, ErrorKind.WrongRule, ref rng) is { } route) seen.Add(RouteText.Steps(route.Text)[0]);
            }
        }
        Assert.Contains("R3: 17+25=42", seen);
        Assert.Contains("R4: 17/5=4", seen);
        Assert.Contains("R6: 3-8=5", seen);
    }

    [Fact]
    public void ARuleThatNeedsMoreOperationsRaisesTheDifficulty()
    {
        var rng = new SplitMix64(2);
        var problem = _domain.Generate(ref rng, Splits.Train, 1, "x", useRule: 1); // brackets around a lone operation mean nothing
        Assert.Equal(2, problem.Difficulty);
        Assert.Contains(1, Rules(_domain.Solve(problem).Text));
    }

    [Fact]
    public void ASkippedLastStepIsRecordedAfterTheRoute()
    {
        var problem = new Problem { Id = "x", Domain = "arith", Question = "6*7", Answer = "42" };
        var rng = new SplitMix64(1);
        var route = _domain.Corrupt(problem, ErrorKind.SkippedRule, ref rng)!;
        Assert.Equal("Answer: 6", route.Text);
        Assert.Equal(1, route.FirstErrorStep);
        Assert.Null(_domain.Corrupt(problem, ErrorKind.EarlyStop, ref rng)); // nothing to stop before
    }
}
