using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using static Realm.Tests.Domains.RouteInspection;

namespace Realm.Tests.Domains;

public class TariffDomainTests
{
    private readonly TariffDomain _domain = new();
    private static readonly int[] ConditionRules = [3, 4, 5, 6, 7, 8, 9, 10, 12];

    private Route Solve(string question) =>
        _domain.Solve(new Problem { Id = "x", Domain = "tariff", Question = question, Answer = "0" });

    [Theory]
    [InlineData("7kg zone B express fragile sat ins=250",
        "R1: zone B rate 3|R2: 7*3=21|R4: 21*2=42|R6: 42+6=48|R7: 48+5=53|R9: 53+2*3=59", "59")]
    [InlineData("25kg zone D express big member",
        "R1: zone D rate 5|R2: 25*5=125|R3: 125-15=110|R4: 110*2=220|R10: 220+8=228|R11: 228-10=218|R12: 218-21=197", "197")]
    [InlineData("1kg zone A sat ins=50", "R1: zone A rate 2|R2: 1*2=2|R7: 2+5=7|R13: 7 up to 12", "12")]
    [InlineData("10kg zone C economy sun", "R1: zone C rate 4|R2: 10*4=40|R5: 40-10=30|R8: 30+10=40", "40")]
    [InlineData("4kg zone A member", "R1: zone A rate 2|R2: 4*2=8|R12: 8-0=8|R13: 8 up to 12", "12")]
    public void TheExpertAppliesOnlyTheRulesThatApply(string question, string steps, string answer)
    {
        var route = Solve(question);
        Assert.Equal(steps.Split('|'), RouteText.Steps(route.Text));
        Assert.Equal(answer, route.Answer);
    }

    [Fact]
    public void RulebookHasAtLeastTenConditionalRules()
    {
        Assert.Equal("tariff-v1", _domain.Rulebook.Id);
        Assert.Equal(13, _domain.Rulebook.Rules.Count); // R1 and R2 always apply, R3..R13 only when their condition holds
        Assert.Contains("R13. Minimum charge", _domain.Rulebook.Render());
    }

    [Fact]
    public void QuestionsAndStepsAreShortAndDifficultyCountsTheConditions()
    {
        var rng = new SplitMix64(11);
        foreach (var split in Splits.All)
            for (int difficulty = _domain.AllowedDifficulty(split).Min; difficulty <= _domain.AllowedDifficulty(split).Max; difficulty++)
                for (int i = 0; i < 60; i++)
                {
                    var problem = _domain.Generate(ref rng, split, difficulty, "x");
                    var route = _domain.Solve(problem);
                    Assert.True(problem.Question.Length <= 60, problem.Question);
                    Assert.All(RouteText.Steps(route.Text), s => Assert.True(s.Length <= 24, s));
                    Assert.Equal(difficulty, Rules(route.Text).Count(ConditionRules.Contains));
                    // The question states conditions, never the rules' numbers: no rate, surcharge or threshold.
                    Assert.DoesNotContain("+", problem.Question);
                }
    }

    [Fact]
    public void WrongRuleRoutesUseAWrongRateOrARuleThatDoesNotApply()
    {
        var seen = new HashSet<string>();
        foreach (var question in new[] { "7kg zone B sat", "3kg zone A fragile ins=40", "9kg zone D express big" })
        {
            var problem = new Problem { Id = "x", Domain = "tariff", Question = question, Answer = Solve(question).Answer };
            for (ulong seed = 0; seed < 40; seed++)
            {
                var rng = new SplitMix64(seed);
                if (_domain.Corrupt(problem, ErrorKind.WrongRule, ref rng) is { } route)
                    seen.Add(RouteText.Steps(route.Text)[route.FirstErrorStep!.Value - 1]);
            }
        }
        Assert.Contains("R1: zone B rate 4", seen);    // another zone's rate
        Assert.Contains("R7: 21+10=31", seen);         // Sunday's surcharge on a Saturday
        Assert.Contains("R9: 12+1*3=15", seen);        // insurance under 100 charged as a full 100
        Assert.Contains("R11: 98-10=88", seen);        // the discount for totals above 100, at 98
    }
}
