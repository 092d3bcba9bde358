using Realm.Data;
using Realm.Domains;
using Realm.Engine.Tokenizers;
using Realm.Method;

namespace Realm.Tests.Method;

public class TrainingExamplesTests
{
    private static readonly ByteTokenizer Tokenizer = new(MrpvFormat.SpecialTokens);
    private static readonly PromptFormat Format = PromptFormat.Plain(Tokenizer);
    private static readonly List<Problem> Problems =
        DatasetBuilder.Build(new ArithmeticDomain(), new DatasetOptions { Train = 12, Dev = 0, Id = 0, OodLength = 0, OodCompose = 0, Negatives = 2 }).ToList();
    private static readonly List<(Problem, Route)> Solutions = Problems.SelectMany(p => p.Routes.Where(r => r.Correct).Select(r => (p, r))).ToList();

    private static string Text(int[] ids) => Tokenizer.Decode(ids);

    [Fact]
    public void WithNoRouteShareItIsGuidedDistillation()
    {
        var distilled = TrainingExamples.Distillation(Format, Problems).ToList();
        var mixed = TrainingExamples.WithRoutes(Format, Solutions, routeShare: 0, maxRoutes: 3, seed: 1);
        Assert.Equal(distilled.Select(e => Text(e.Prompt) + "|" + Text(e.Completion)), mixed.Select(e => Text(e.Prompt) + "|" + Text(e.Completion)));
    }

    [Fact]
    public void WithRoutesShownTheAnswerOpensWithAVerdictOnEach()
    {
        var examples = TrainingExamples.WithRoutes(Format, Solutions, routeShare: 1, maxRoutes: 3, seed: 1);
        Assert.Equal(Solutions.Count, examples.Count);
        foreach (var example in examples)
        {
            string prompt = Text(example.Prompt), answer = Text(example.Completion);
            int shown = prompt.Split('\n').Count(line => line.StartsWith("Route ", StringComparison.Ordinal));
            Assert.InRange(shown, 1, 3);
            var parsed = MrpvOutput.Parse(answer);
            Assert.True(parsed.FormatOk(shown), answer);
        }
        var again = TrainingExamples.WithRoutes(Format, Solutions, routeShare: 1, maxRoutes: 3, seed: 1);
        Assert.Equal(examples.Select(e => Text(e.Prompt)), again.Select(e => Text(e.Prompt)));
        var other = TrainingExamples.WithRoutes(Format, Solutions, routeShare: 1, maxRoutes: 3, seed: 2);
        Assert.NotEqual(examples.Select(e => Text(e.Prompt)), other.Select(e => Text(e.Prompt)));
    }
}
