using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using static Realm.Tests.Domains.RouteInspection;

namespace Realm.Tests.Domains;

public class PayrollDomainTests
{
    private readonly PayrollDomain _domain = new();
    private static readonly int[] ConditionRules = [1, 3, 4, 5, 9, 10, 11, 12];

    private Route Solve(string question) =>
        _domain.Solve(new Problem { Id = "x", Domain = "payroll", Question = question, Answer = "0" });

    // Worked by hand from the rulebook in docs/domains.md.
    [Theory]
    [InlineData("46h rate 12 night sun kids=2 union", // overtime at the night rate; both tax brackets; union on the gross
        "R1: 12+2=14|R2: 40*14=560|R3: 560+6*21=686|R4: 686+8*14=798|R7: 798-59=739|R8: 739-29=710|R9: 710+2*5=720|R10: 720-7*2=706", "706")]
    [InlineData("30h rate 6 bonus pension", // bonus uncapped, then the minimum pay; pension on the net
        "R2: 30*6=180|R5: 180+18=198|R6: 198 up to 250|R7: 250-5=245|R11: 245-12=233", "233")]
    [InlineData("44h rate 10 bonus kids=4 adv=50", // bonus capped at 40; a gross of exactly 500 pays no higher tax; 3 children at most
        "R2: 40*10=400|R3: 400+4*15=460|R5: 460+40=500|R7: 500-30=470|R9: 470+3*5=485|R12: 485-50=435", "435")]
    [InlineData("40h rate 8 sun kids=0 union pension", // 40 hours are no overtime; kids=0 is no credit
        "R2: 40*8=320|R4: 320+8*8=384|R7: 384-18=366|R10: 366-3*2=360|R11: 360-18=342", "342")]
    [InlineData("48h rate 12 sun bonus",
        "R2: 40*12=480|R3: 480+8*18=624|R4: 624+8*12=720|R5: 720+40=760|R7: 760-56=704|R8: 704-26=678", "678")]
    public void TheExpertAppliesOnlyTheRulesThatApply(string question, string steps, string answer)
    {
        var route = Solve(question);
        Assert.Equal(steps.Split('|'), RouteText.Steps(route.Text));
        Assert.Equal(answer, route.Answer);
    }

    [Fact]
    public void RulebookHasTwelveRulesAndTwoHeldOutPairs()
    {
        Assert.Equal("payroll-v1", _domain.Rulebook.Id);
        Assert.Equal(12, _domain.Rulebook.Rules.Count);
        Assert.Contains("R3. Overtime: each hour above 40 is paid 1.5 times the rate.", _domain.Rulebook.Render());
        Assert.Equal([(1, 3), (4, 5)], _domain.HeldOutPairs); // night with overtime, Sunday with bonus
        Assert.Equal(8, _domain.MaxDifficulty);
        Assert.Equal((1, 4), _domain.DefaultDifficulty(Splits.Train));
        Assert.Equal((5, 5), _domain.DefaultDifficulty(Splits.OodLength));
        Assert.Equal((1, 6), _domain.AllowedDifficulty(Splits.OodLength)); // one of each held-out pair at most
        Assert.Equal((2, 8), _domain.AllowedDifficulty(Splits.OodCompose));
    }

    [Fact]
    public void QuestionsAndRoutesAreShortNumbersSmallAndDifficultyCountsTheConditions()
    {
        var rng = new SplitMix64(11);
        foreach (var split in Splits.All)
            for (int difficulty = _domain.AllowedDifficulty(split).Min; difficulty <= _domain.AllowedDifficulty(split).Max; difficulty++)
                for (int i = 0; i < 60; i++)
                {
                    var problem = _domain.Generate(ref rng, split, difficulty, "x");
                    var route = _domain.Solve(problem);
                    var steps = RouteText.Steps(route.Text);
                    Assert.True(problem.Question.Length <= 60, problem.Question);
                    Assert.All(steps, s => Assert.True(s.Length <= 17, s));
                    if (difficulty <= _domain.DefaultDifficulty(Splits.OodLength).Max) Assert.True(steps.Count <= 9, route.Text);
                    Assert.Equal(difficulty, Rules(route.Text).Count(ConditionRules.Contains));
                    foreach (var number in steps.SelectMany(s => s[(s.IndexOf(':') + 2)..].Split('+', '-', '*', '=', ' ')))
                        if (int.TryParse(number, out int n)) Assert.InRange(n, 0, 999);
                    // The question states conditions, never the rules' numbers: no premium, bracket or cap.
                    Assert.DoesNotContain("+", problem.Question);
                }
    }

    [Fact]
    public void WrongRuleRoutesConfuseTiersCapsAndWhatIsCharged()
    {
        var seen = new HashSet<string>();
        foreach (var question in new[] { "46h rate 12 night sun kids=2 union", "44h rate 10 bonus kids=4 adv=50", "40h rate 8 sun union pension" })
        {
            var problem = new Problem { Id = "x", Domain = "payroll", Question = question, Answer = Solve(question).Answer };
            for (ulong seed = 0; seed < 100; seed++)
            {
                var rng = new SplitMix64(seed);
                if (_domain.Corrupt(problem, ErrorKind.WrongRule, ref rng) is { } route)
                    seen.Add(RouteText.Steps(route.Text)[route.FirstErrorStep!.Value - 1]);
            }
        }
        Assert.Contains("R2: 46*14=644", seen);      // every hour at the plain rate
        Assert.Contains("R3: 560+6*14=644", seen);   // overtime without its premium
        Assert.Contains("R5: 460+46=506", seen);     // the bonus's cap ignored
        Assert.Contains("R8: 739-23=716", seen);     // the higher bracket charged on the net so far (739), not the gross
        Assert.Contains("R9: 470+4*5=490", seen);    // four children credited
        Assert.Contains("R10: 720-8*2=704", seen);   // union dues rounded up
        Assert.Contains("R11: 360-19=341", seen);    // pension on the gross (384), not the net
    }

    [Fact]
    public void AMistakeBeforeTheGrossIsTaxedAsTheGross()
    {
        // A slip in the base pay carries through: the wrong gross decides the brackets and the union dues.
        var problem = new Problem { Id = "x", Domain = "payroll", Question = "40h rate 8 sun union pension", Answer = "342" };
        for (ulong seed = 0; seed < 300; seed++)
        {
            var rng = new SplitMix64(seed);
            var route = _domain.Corrupt(problem, ErrorKind.ArithmeticSlip, ref rng)!;
            if (RouteText.Steps(route.Text)[0] != "R2: 40*8=330") continue;
            Assert.Equal(["R2: 40*8=330", "R4: 330+8*8=394", "R7: 394-19=375", "R10: 375-3*2=369", "R11: 369-18=351"], RouteText.Steps(route.Text));
            Assert.Equal(1, route.FirstErrorStep);
            return;
        }
        Assert.Fail("no slip of +10 in the base pay was made");
    }

    [Theory]
    [InlineData("46h rate 13")]                   // an odd rate: overtime would pay a fraction
    [InlineData("rate 12 46h")]
    [InlineData("46 rate 12 night")]
    [InlineData("46h rate 12 night night")]
    [InlineData("46h rate 12 kids=2 kids=3")]
    [InlineData("46h rate 12 gift")]
    [InlineData("46h rate 12 adv=-5")]
    public void QuestionsThatAreNotPaySlipsAreUserErrors(string question)
    {
        var problem = new Problem { Id = "x", Domain = "payroll", Question = question, Answer = "1" };
        var e = Assert.Throws<RealmException>(() => _domain.Solve(problem));
        Assert.Contains(question, e.Message);
        var rng = new SplitMix64(1);
        Assert.Throws<RealmException>(() => _domain.Corrupt(problem, ErrorKind.WrongRule, ref rng));
    }

    [Fact]
    public void KnobsChangeTheWeeksDrawnButNotTheRules()
    {
        var hard = new PayrollDomain(new PayrollKnobs { TrainMax = 3, Rates = [14], MinHours = 36, MaxOvertime = 4, MaxKids = 2 });
        Assert.Equal((1, 3), hard.DefaultDifficulty(Splits.Dev));
        Assert.Equal((4, 4), hard.DefaultDifficulty(Splits.OodLength));
        var rng = new SplitMix64(4);
        for (int i = 0; i < 200; i++)
        {
            var problem = hard.Generate(ref rng, Splits.Train, 1 + i % 3, "x");
            var words = problem.Question.Split(' ');
            Assert.Equal("14", words[2]);
            Assert.InRange(int.Parse(words[0].TrimEnd('h')), 36, 44);
            Assert.DoesNotContain("kids=3", problem.Question);
            Assert.Equal(problem.Answer, _domain.Solve(problem).Answer); // the default domain checks it
        }
    }

    [Theory]
    [InlineData("TrainMax", 6)]  // ood-length would need seven conditions without a held-out pair
    [InlineData("Rates", 7)]     // odd
    [InlineData("Rates", 20)]    // a pay above 999
    [InlineData("MinHours", 41)]
    public void KnobsOutOfRangeAreRefusedByName(string knob, int value)
    {
        var knobs = knob switch
        {
            "TrainMax" => new PayrollKnobs { TrainMax = value },
            "Rates" => new PayrollKnobs { Rates = [value] },
            _ => new PayrollKnobs { MinHours = value },
        };
        var e = Assert.Throws<RealmException>(() => new PayrollDomain(knobs));
        Assert.Contains(knob, e.Message);
    }
}
