using Realm.Data;
using Realm.Domains;
using Realm.Teacher;

namespace Realm.Tests.Teacher;

public class TeacherPromptTests
{
    [Fact]
    public void ABuiltInDomainsPromptHoldsItsRulebookAndAWorkedExampleInTheRouteFormat()
    {
        var domain = BuiltInDomains.Get("tariff");
        string system = TeacherPrompt.System(domain);
        Assert.Contains(domain.Rulebook.Render(), system);
        Assert.Contains(domain.Rulebook.Id, system);
        Assert.Equal(system, TeacherPrompt.System(domain)); // the same for every problem and run

        // The example is a question and the expert's route for it, which the labeller reads as correct.
        string example = system[(system.IndexOf("Example:\nQuestion: ", StringComparison.Ordinal) + "Example:\nQuestion: ".Length)..];
        string question = example[..example.IndexOf('\n')];
        string route = example[(question.Length + 1)..];
        Assert.StartsWith("1. R", route);
        Assert.NotNull(RouteText.ExtractAnswer(route));
        Assert.Equal(RouteText.Steps(route).Count, route.Split('\n').Length - 1);

        var problem = new Problem { Id = "p", Domain = "tariff", Question = "3kg zone B economy", Answer = "1" };
        Assert.Equal("Question: 3kg zone B economy", TeacherPrompt.User(problem));
    }

    [Fact]
    public void AnExternalDomainGetsTheStepFormatWithoutRulesOrExample()
    {
        string system = TeacherPrompt.System(new ExactAnswerDomain("chemistry"));
        Assert.Contains("chemistry", system);
        Assert.Contains("\"Answer: \"", system);
        Assert.DoesNotContain("R1", system);
        Assert.DoesNotContain("Example", system);
    }
}
