using Realm.Data;
using Realm.Domains;

namespace Realm.Tests.Data;

public class DatasetValidatorTests
{
    /// <summary>A generated tariff dataset with one line replaced, read back, and checked.</summary>
    private static List<string> CheckWithLine(TempDirectory dir, int index, Func<Problem, Problem>? change = null, string? rawLine = null)
    {
        var problems = DatasetBuilder.Build(new TariffDomain(), new DatasetOptions { Train = 5, Dev = 2, Id = 2, OodLength = 2, OodCompose = 2 }).ToList();
        var lines = problems.Select(ProblemJsonl.Serialize).ToList();
        if (change != null) lines[index] = ProblemJsonl.Serialize(change(problems[index]));
        if (rawLine != null) lines[index] = rawLine;
        string path = dir.File("d.jsonl");
        File.WriteAllLines(path, lines);
        return DatasetValidator.Check(ProblemJsonl.Read(path));
    }

    private static Problem With(Problem p, string? answer = null, string? question = null, int? difficulty = null, string? rulebook = null,
        List<Route>? routes = null, string? id = null) => new()
    {
        Id = id ?? p.Id, Domain = p.Domain, Question = question ?? p.Question, Answer = answer ?? p.Answer,
        Difficulty = difficulty ?? p.Difficulty, Split = p.Split, Rulebook = rulebook ?? p.Rulebook, Routes = routes ?? p.Routes,
    };

    private static Route With(Route r, bool? correct = null, int? firstError = -1, string? answer = null) => new()
    {
        Text = r.Text, Answer = answer ?? r.Answer, Correct = correct ?? r.Correct,
        FirstErrorStep = firstError == -1 ? r.FirstErrorStep : firstError, Source = r.Source,
    };

    [Fact]
    public void AGeneratedDatasetHasNoIssues()
    {
        using var dir = new TempDirectory();
        Assert.Empty(CheckWithLine(dir, 0));
    }

    public static IEnumerable<object[]> Mistakes() =>
    [
        ["answer \"1\" is wrong: the tariff expert gets", (Func<Problem, Problem>)(p => With(p, answer: "1"))],
        ["routes[0]: marked correct but its answer \"1\" is wrong", (Func<Problem, Problem>)(p =>
            With(p, routes: [With(p.Routes[0], answer: "1"), .. p.Routes.Skip(1)]))],
        ["routes[1]: marked wrong but its answer", (Func<Problem, Problem>)(p =>
            With(p, routes: [p.Routes[0], With(p.Routes[1], answer: p.Answer), .. p.Routes.Skip(2)]))],
        ["routes[0]: a correct route has first_error_step 2; it must be null", (Func<Problem, Problem>)(p =>
            With(p, routes: [With(p.Routes[0], firstError: 2), .. p.Routes.Skip(1)]))],
        ["routes[1]: first_error_step 40 is outside 1..", (Func<Problem, Problem>)(p =>
            With(p, routes: [p.Routes[0], With(p.Routes[1], firstError: 40), .. p.Routes.Skip(2)]))],
        ["routes[1]: marked correct but", (Func<Problem, Problem>)(p =>
            With(p, routes: [p.Routes[0], With(p.Routes[1], correct: true, firstError: null), .. p.Routes.Skip(2)]))],
        ["id \"tariff-train-000000\" is already used on line 1", (Func<Problem, Problem>)(p => With(p, id: "tariff-train-000000"))],
        ["question \"7 kilos to B\" is not a tariff question", (Func<Problem, Problem>)(p => With(p, question: "7 kilos to B"))],
        ["difficulty 8 is outside tariff's 1..7", (Func<Problem, Problem>)(p => With(p, difficulty: 8))],
        ["rulebook \"tariff-v0\" is not tariff's \"tariff-v1\"", (Func<Problem, Problem>)(p => With(p, rulebook: "tariff-v0"))],
    ];

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void EachMistakeIsReportedWithFileAndLine(string message, Func<Problem, Problem> change)
    {
        using var dir = new TempDirectory();
        var issues = CheckWithLine(dir, 3, change);
        Assert.True(issues.Count >= 1, "nothing reported");
        Assert.StartsWith($"{dir.File("d.jsonl")}:4: ", issues[0]);
        Assert.Contains(message, issues[0]);
    }

    [Fact]
    public void ARouteWhoseAnswerFieldDisagreesWithItsTextIsReported()
    {
        using var dir = new TempDirectory();
        var issues = CheckWithLine(dir, 2, p => With(p, routes: [new Route { Text = p.Routes[0].Text.Replace("Answer: ", "Answer: 1"), Answer = p.Answer, Correct = true }]));
        Assert.Contains("routes[0]: answer", Assert.Single(issues));
    }

    [Fact]
    public void OtherDomainsGetTheSchemaAndRouteChecksWithExactAnswerMatching()
    {
        using var dir = new TempDirectory();
        string path = dir.File("other.jsonl");
        File.WriteAllLines(path,
        [
            """{"id":"a","domain":"law","question":"q","answer":"yes","difficulty":9,"split":"dev","routes":[{"text":"1. x\nAnswer: no","answer":"no","correct":false,"first_error_step":3}]}""",
            """{"id":"b","domain":"law","question":"q","answer":"yes","difficulty":9,"split":"dev","routes":[{"text":"1. x\nAnswer: no","answer":"no","correct":false,"first_error_step":2}]}""",
            """{"id":"c","domain":"law","question":"q","answer":"yes","difficulty":9,"split":"dev","routes":[{"text":"1. x\nAnswer: no","answer":"no","correct":true}]}""",
            """{"id":"d","domain":"law","question":"q","answer":"Yes","difficulty":9,"split":"dev","routes":[{"text":"1. x\nAnswer: yes.","answer":"yes.","correct":true}]}""",
            """{"id":"e","domain":"law","question":"q","answer":"3.50","difficulty":9,"split":"dev","routes":[{"text":"1. x\nAnswer: 3.5","answer":"3.5","correct":false,"first_error_step":1}]}""",
        ]);
        var issues = DatasetValidator.Check(ProblemJsonl.Read(path));
        Assert.Equal(
        [
            $"{path}:1: routes[0]: first_error_step 3 is outside 1..2 (the route has 1 steps)",
            $"{path}:3: routes[0]: marked correct but its answer \"no\" is wrong (the problem's answer is \"yes\")",
            $"{path}:5: routes[0]: marked wrong but its answer \"3.5\" is right",
        ], issues);
    }

    [Fact]
    public void AnEmptyFileIsReported()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.jsonl");
        File.WriteAllText(path, "\n");
        Assert.Equal($"{path}: no problems", Assert.Single(DatasetValidator.Check(ProblemJsonl.Read(path))));
    }
}
