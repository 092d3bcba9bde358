// The one definition of "first wrong step": by hand on small routes, shared by the route labeller and the
// mistake diagnosis, and agreeing with where the built-in domains put their negative routes' errors.
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Method;

namespace Realm.Tests.Data;

public class FirstWrongStepTests
{
    private const string Expert = "1. R1: 2+3=5\n2. R4: 5*2=10\n3. R2: 10-1=9\nAnswer: 9";

    [Theory]
    [InlineData("1. R1: 2+3=5\n2. R4: double 5 = 10\n3. R2: 10-1=9\nAnswer: 9", null)] // reworded, same values
    [InlineData("1. R1: 2+3=6\n2. R4: 6*2=12\n3. R2: 12-1=11\nAnswer: 11", 1)]
    [InlineData("1. R1: 2+3=5\n2. R3: 5*2=10\n3. R2: 10-1=9\nAnswer: 9", 2)] // wrong rule
    [InlineData("1. R1: 2+3=5\n2. R4: 5*2=10\nAnswer: 10", 3)]                  // stops short
    [InlineData("1. R1: 2+3=5\n2. R4: 5*2=10\n3. R2: 10-1=9\n4. R5: 9+1=10\nAnswer: 10", 4)] // goes on
    [InlineData("Answer: 9", 1)]                                                 // no steps at all
    [InlineData("1. add them: 5\n2. R4: 5*2=10\nAnswer: 10", null)]             // a step names no rule: unknown
    public void FindsTheFirstStepThatDeparts(string route, int? expected) => Assert.Equal(expected, FirstWrongStep.Find(Expert, route));

    [Fact]
    public void DiagnosisNamesTheRuleOfTheExpertsStepThere()
    {
        var expert = new Route { Text = Expert, Answer = "9", Correct = true };
        Assert.Equal(4, MistakeDiagnosis.FirstWrongRule(expert, "1. R1: 2+3=5\n2. R4: 5*3=15\n3. R2: 15-1=14"));
        Assert.Equal(2, MistakeDiagnosis.FirstWrongRule(expert, "1. R1: 2+3=5\n2. R4: 5*2=10")); // missing step 3
        Assert.Equal(1, MistakeDiagnosis.FirstWrongRule(expert, null));
        Assert.Null(MistakeDiagnosis.FirstWrongRule(expert, "1. R1: 2+3=5\n2. R4: 5*2 is 10\n3. R2: 10-1=9"));
    }

    [Theory]
    [InlineData("arith")]
    [InlineData("tariff")]
    public void BuiltInNegativeRoutesErrWhereTheDefinitionSays(string name)
    {
        // The domains write their negative routes knowing where they put the error; the labeller, which
        // does not know, must find the same step whenever it can tell.
        var domain = BuiltInDomains.Get(name);
        var rng = new SplitMix64(5);
        int compared = 0;
        for (int i = 0; i < 200; i++)
        {
            var problem = domain.Generate(ref rng, "train", 1 + i % 3, $"p{i}");
            foreach (var kind in Enum.GetValues<ErrorKind>())
            {
                if (domain.Corrupt(problem, kind, ref rng) is not { FirstErrorStep: int recorded } route) continue;
                if (RouteLabeler.FirstErrorStep(problem, domain, route.Text) is not int found) continue;
                Assert.True(recorded == found, $"{kind} on {problem.Question}: recorded step {recorded}, found {found}\n{route.Text}");
                compared++;
            }
        }
        Assert.True(compared > 100, $"only {compared} routes compared");
    }
}
