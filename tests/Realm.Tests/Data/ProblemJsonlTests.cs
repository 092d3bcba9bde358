using System.Text.Json.Nodes;
using Realm.Data;

namespace Realm.Tests.Data;

public class ProblemJsonlTests
{
    private const string Full =
        """{"id":"t-1","domain":"tariff","question":"7kg zone B fragile","answer":"27","difficulty":1,"split":"train","routes":[{"text":"1. R1: zone B rate 3\n2. R2: 7*3=21\n3. R6: 21+6=27\nAnswer: 27","answer":"27","correct":true,"first_error_step":null,"source":"expert","judge":{"score":0.50,"tags":["a","b"]}}],"rulebook":"tariff-v1","meta":{"origin":"handmade","weights":[1.50,2e3,-0]},"note":null}""";

    private static string WriteLines(TempDirectory dir, params string[] lines)
    {
        string path = dir.File("data.jsonl");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void ReadsEveryFieldAndKeepsUnknownOnesAtTheirNesting()
    {
        using var dir = new TempDirectory();
        var file = ProblemJsonl.Read(WriteLines(dir, Full));
        var p = Assert.Single(file.Problems);
        Assert.Equal(("t-1", "tariff", "7kg zone B fragile", "27", 1, "train", "tariff-v1"),
            (p.Id, p.Domain, p.Question, p.Answer, p.Difficulty, p.Split, p.Rulebook));
        var route = Assert.Single(p.Routes);
        Assert.Equal(("27", true, (int?)null, "expert"), (route.Answer, route.Correct, route.FirstErrorStep, route.Source));
        Assert.Equal(["meta", "note"], p.Extra!.Select(kv => kv.Key));
        Assert.Equal(["judge"], route.Extra!.Select(kv => kv.Key));
        Assert.Equal([1], file.Lines);
    }

    [Fact]
    public void RewritingAFileKeepsItByteForByte()
    {
        using var dir = new TempDirectory();
        string path = WriteLines(dir, Full, Full.Replace("t-1", "t-2"));
        var file = ProblemJsonl.Read(path);
        string copy = dir.File("copy.jsonl");
        ProblemJsonl.Write(copy, file.Problems);
        Assert.Equal(File.ReadAllText(path), File.ReadAllText(copy));
        Assert.Contains("\"weights\":[1.50,2e3,-0]", File.ReadAllText(copy)); // numbers keep their text
        Assert.Contains("7*3=21", File.ReadAllText(copy));                     // '+' and '*' are not escaped
    }

    [Fact]
    public void OptionalFieldsMayBeMissingAndNumericAnswersAreAccepted()
    {
        using var dir = new TempDirectory();
        var path = WriteLines(dir,
            """{"id":"a","domain":"arith","question":"2+2","answer":4,"difficulty":1,"split":"id"}""",
            """{"id":"b","domain":"arith","question":"2+3","answer":"5","difficulty":1,"split":"id","routes":[{"text":"Answer: 6","answer":6,"correct":false}],"rulebook":null}""");
        var file = ProblemJsonl.Read(path);
        var (a, b) = (file.Problems[0], file.Problems[1]);
        Assert.Equal("4", a.Answer);
        Assert.Empty(a.Routes);
        Assert.Null(a.Rulebook);
        Assert.Null(a.Extra);
        var route = Assert.Single(b.Routes);
        Assert.Equal(("6", (int?)null, "unknown"), (route.Answer, route.FirstErrorStep, route.Source));
        Assert.Equal("""{"id":"a","domain":"arith","question":"2+2","answer":"4","difficulty":1,"split":"id"}""", ProblemJsonl.Serialize(a));
    }

    [Theory]
    [InlineData("{\"id\": ", "invalid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("""{"id":"a","id":"b","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train"}""", "Duplicate property 'id'")]
    [InlineData("""{"domain":"d","question":"q","answer":"1","difficulty":1,"split":"train"}""", "missing field \"id\"")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":true,"difficulty":1,"split":"train"}""", "field \"answer\" must be a string or a number, got true")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":"3","split":"train"}""", "field \"difficulty\" must be an integer, got \"3\"")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":2.5,"split":"train"}""", "field \"difficulty\" must be an integer, got 2.5")]
    [InlineData("""{"id":7,"domain":"d","question":"q","answer":"1","difficulty":1,"split":"train"}""", "field \"id\" must be a string, got 7")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1}""", "missing field \"split\"")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train","routes":{}}""", "field \"routes\" must be an array")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train","routes":[{"answer":"1","correct":true}]}""", "missing field \"routes[0].text\"")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train","routes":[{"text":"t","answer":"1","correct":"yes"}]}""", "field \"routes[0].correct\" must be true or false, got \"yes\"")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train","routes":[{"text":"t","answer":"1","correct":false,"first_error_step":"2"}]}""", "routes[0].first_error_step\" must be an integer or null")]
    [InlineData("""{"id":"a","domain":"d","question":"q","answer":"1","difficulty":1,"split":"train","rulebook":3}""", "field \"rulebook\" must be a string or null, got 3")]
    public void ABadLineNamesFileLineAndReason(string line, string reason)
    {
        using var dir = new TempDirectory();
        string path = WriteLines(dir, Full, "", line);
        var e = Assert.Throws<RealmException>(() => ProblemJsonl.Read(path));
        Assert.StartsWith($"{path}:3: ", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void SkippingBadLinesReportsEachOne()
    {
        using var dir = new TempDirectory();
        string path = WriteLines(dir, "not json", Full, "{}", "", Full.Replace("t-1", "t-2"));
        var file = ProblemJsonl.Read(path, skipBadLines: true);
        Assert.Equal(["t-1", "t-2"], file.Problems.Select(p => p.Id));
        Assert.Equal([2, 5], file.Lines);
        Assert.Equal(2, file.BadLines.Count);
        Assert.StartsWith($"{path}:1: invalid JSON", file.BadLines[0]);
        Assert.StartsWith($"{path}:3: missing field \"id\"", file.BadLines[1]);
    }

    [Fact]
    public void AMissingFileIsAUserError()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<RealmException>(() => ProblemJsonl.Read(dir.File("nope.jsonl")));
        Assert.Contains("nope.jsonl: file not found", e.Message);
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFile()
    {
        using var dir = new TempDirectory();
        string path = WriteLines(dir, Full);
        string before = File.ReadAllText(path);
        IEnumerable<Problem> Failing()
        {
            yield return ProblemJsonl.Read(path).Problems[0];
            throw new InvalidOperationException("teacher died");
        }
        Assert.Throws<InvalidOperationException>(() => ProblemJsonl.Write(path, Failing()));
        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal(["data.jsonl"], dir.Entries());
    }

    [Fact]
    public void ExtraMustNotRepeatAKnownField()
    {
        var p = new Problem { Id = "a", Domain = "d", Question = "q", Answer = "1", Extra = new JsonObject { ["answer"] = "2" } };
        Assert.Throws<ArgumentException>(() => ProblemJsonl.Serialize(p));
    }

    [Fact]
    public void AppendingAfterAPartialLineStartsANewLine()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sub/stream.jsonl");
        var problem = ProblemJsonl.Read(WriteLines(dir, Full)).Problems[0];
        using (var writer = new ProblemJsonlWriter(path)) writer.Append(problem);
        File.AppendAllText(path, "{\"id\":\"half-writ"); // a run killed mid-line
        using (var writer = new ProblemJsonlWriter(path)) writer.Append(problem);

        var file = ProblemJsonl.Read(path, skipBadLines: true);
        Assert.Equal(2, file.Problems.Count);
        Assert.Equal([1, 3], file.Lines);
        Assert.StartsWith($"{path}:2: invalid JSON", Assert.Single(file.BadLines));
    }
}
