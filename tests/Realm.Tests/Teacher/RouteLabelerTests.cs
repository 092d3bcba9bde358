using Realm.Method;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;

namespace Realm.Tests.Teacher;

public class RouteLabelerTests
{
    private static List<Problem> Problems(IDomain domain, int count) =>
        [.. DatasetBuilder.Build(domain, new DatasetOptions { Train = count, Dev = 0, Id = 0, OodLength = 0, OodCompose = 0, Positives = 0, Negatives = 0, Seed = 3 })];

    [Theory]
    [InlineData("tariff")]
    [InlineData("arith")]
    public void ExpertRoutesArePositiveAndCorruptedOnesNegativeAtTheirRecordedStep(string name)
    {
        var domain = BuiltInDomains.Get(name);
        int negatives = 0, located = 0;
        foreach (var problem in Problems(domain, 40))
        {
            var expert = RouteLabeler.Label(problem, domain, domain.Solve(problem).Text, "teacher");
            Assert.True(expert.Correct, problem.Id);
            Assert.Equal(problem.Answer, expert.Answer);
            Assert.Null(expert.FirstErrorStep);
            Assert.Equal("teacher", expert.Source);

            var rng = new SplitMix64(7);
            foreach (var kind in Enum.GetValues<ErrorKind>())
            {
                if (domain.Corrupt(problem, kind, ref rng) is not { } wrong) continue;
                var label = RouteLabeler.Label(problem, domain, wrong.Text, "teacher");
                Assert.False(label.Correct, $"{problem.Id} {kind}");
                Assert.Equal(wrong.Answer, label.Answer);
                negatives++;
                // Found from the text alone: either the step the corruption recorded, or unknown.
                if (label.FirstErrorStep != null)
                {
                    Assert.True(wrong.FirstErrorStep == label.FirstErrorStep, $"{problem.Id} {kind}: recorded {wrong.FirstErrorStep}, found {label.FirstErrorStep}\n{wrong.Text}");
                    located++;
                }
            }
        }
        Assert.True(negatives > 40);
        Assert.True(located > negatives * 3 / 4, $"located the first error of only {located} of {negatives} wrong routes");
    }

    [Fact]
    public void WordingIsNotAnErrorButAMissingAnswerIs()
    {
        var domain = BuiltInDomains.Get("tariff");
        var problem = Problems(domain, 1)[0];
        var steps = RouteText.Steps(domain.Solve(problem).Text);
        // The teacher's own words around the same rules and values, with extra blank lines and spaces.
        string reworded = string.Concat(steps.Select((s, i) => $"{i + 1}.  {s.Replace(":", ": so we get", StringComparison.Ordinal)}\n\n")) + $"Answer:  {problem.Answer} ";
        var label = RouteLabeler.Label(problem, domain, reworded, "t");
        Assert.True(label.Correct);
        Assert.Equal(problem.Answer, label.Answer);

        var unanswered = RouteLabeler.Label(problem, domain, string.Join("\n", steps), "t");
        Assert.False(unanswered.Correct);
        Assert.Equal("", unanswered.Answer);

        var babble = RouteLabeler.Label(problem, domain, "I am not sure.\nAnswer: 12345678", "t");
        Assert.False(babble.Correct);
        Assert.Null(babble.FirstErrorStep); // a step that names no rule: the first error cannot be placed
    }

    [Fact]
    public void AnExternalDomainIsJudgedAgainstTheDatasetsOwnCorrectRoute()
    {
        var domain = new ExactAnswerDomain("chemistry");
        var problem = new Problem { Id = "c1", Domain = "chemistry", Question = "moles in 36 g of water?", Answer = "2.0" };
        Assert.True(RouteLabeler.Label(problem, domain, "1. R1: 36/18 = 2\nAnswer: 2", "t").Correct); // "2" and "2.0" are the same number
        Assert.Null(RouteLabeler.Label(problem, domain, "1. R1: 36/16 = 2.25\nAnswer: 2.25", "t").FirstErrorStep); // no reference route

        problem.Routes.Add(new Route { Text = "1. R1: 36/18 = 2\nAnswer: 2", Answer = "2", Correct = true });
        Assert.Equal(1, RouteLabeler.Label(problem, domain, "1. R1: 36/16 = 2.25\nAnswer: 2.25", "t").FirstErrorStep);
    }
}
