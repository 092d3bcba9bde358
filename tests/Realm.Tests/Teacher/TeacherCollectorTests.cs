using System.Text;
using Realm.Data;
using Realm.Domains;
using Realm.Teacher;
using Realm.Tests.Serving;

namespace Realm.Tests.Teacher;

public class TeacherCollectorTests
{
    private static readonly IDomain Tariff = BuiltInDomains.Get("tariff");

    // Problems that already hold the expert's route, so the test sees the teacher's routes appended after it.
    private static List<Problem> Problems(int count) =>
        [.. DatasetBuilder.Build(Tariff, new DatasetOptions { Train = count, Dev = 0, Id = 0, OodLength = 0, OodCompose = 0, Positives = 1, Negatives = 0, Seed = 9 })];

    // Short waits, so that retries cost the test little; the one-second timeout ends replies that never come.
    private static TeacherOptions Options(Uri endpoint, int concurrency) => new()
    {
        Endpoint = endpoint, Model = "fake-teacher", Routes = 2, Concurrency = concurrency, Seed = 5,
        Timeout = TimeSpan.FromSeconds(1), MaxRetries = 10, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(100),
    };

    private static List<Problem> ReadOutput(string path) => [.. ProblemJsonl.Read(path).Problems];

    private static void AssertEveryProblemOnce(IEnumerable<Problem> input, IEnumerable<Problem> output) =>
        Assert.Equal(input.Select(p => p.Id).Order(), output.Select(p => p.Id).Order());

    [Fact]
    public async Task CollectionThroughFaultsFinishesWithEveryProblemOnceAndLabelsWhatTheTeacherWrote()
    {
        using var dir = new TempDirectory();
        var problems = Problems(24);
        await using var teacher = await FaultyTeacher.StartAsync(problems, Tariff, faults: true);
        var reports = new List<CollectionProgress>();

        var result = await new TeacherCollector(Options(teacher.Endpoint, concurrency: 8)).RunAsync(problems, dir.File("out.jsonl"), reports.Add, CancellationToken.None);

        var output = ReadOutput(dir.File("out.jsonl"));
        AssertEveryProblemOnce(problems, output);
        Assert.Empty(DatasetValidator.Check(ProblemJsonl.Read(dir.File("out.jsonl")))); // labels and first error steps as realm data validate wants them
        int correct = 0;
        foreach (var problem in output)
        {
            var input = problems.Single(p => p.Id == problem.Id);
            Assert.Equal(3, problem.Routes.Count);
            Assert.Equal(input.Routes[0].Text, problem.Routes[0].Text); // the routes it had come first, unchanged
            Assert.Equal("expert", problem.Routes[0].Source);
            var seeds = teacher.Seeds(input);
            Assert.Equal(2, seeds.Length);
            var asked = seeds.Select(s => (Text: teacher.RouteFor(input, s), Correct: s % 2 == 0)).OrderBy(r => r.Text).ToList();
            var got = problem.Routes.Skip(1).Select(r => (r.Text, r.Correct)).OrderBy(r => r.Text).ToList();
            Assert.Equal(asked, got);
            Assert.All(problem.Routes.Skip(1), r => Assert.Equal("fake-teacher", r.Source));
            correct += got.Count(r => r.Correct);
        }
        Assert.InRange(correct, 1, 47); // both labels occur

        Assert.True(teacher.InjectedFaults > 10, $"only {teacher.InjectedFaults} faults were injected");
        Assert.True(result.Retries >= teacher.InjectedFaults, $"{result.Retries} retries for {teacher.InjectedFaults} faults");
        Assert.Equal((24, 0, 48L, (long)correct), (result.Written, result.AlreadyDone, result.Routes, result.CorrectRoutes));
        Assert.Equal(48L * FaultyTeacher.PromptTokens, result.InputTokens); // failed attempts cost nothing
        Assert.Equal(48L * FaultyTeacher.CompletionTokens, result.OutputTokens);
        Assert.Equal(Enumerable.Range(0, 25), reports.Select(r => r.Written));
        Assert.Equal(0, reports[^1].Remaining);
    }

    [Fact]
    public async Task AKilledRunResumesWithoutRepeatingOrLosingProblems()
    {
        using var dir = new TempDirectory();
        string outPath = dir.File("out.jsonl");
        var problems = Problems(16);

        // Run 1 is stopped once five problems are written, as Ctrl+C or a kill would stop it.
        await using (var teacher = await FaultyTeacher.StartAsync(problems, Tariff, faults: false))
        {
            using var kill = new CancellationTokenSource();
            var run = new TeacherCollector(Options(teacher.Endpoint, concurrency: 2)).RunAsync(problems, outPath,
                p => { if (p.Written >= 5) kill.Cancel(); }, kill.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        byte[] finished = File.ReadAllBytes(outPath);
        var done = ReadOutput(outPath).Select(p => p.Id).ToHashSet();
        Assert.InRange(done.Count, 5, 15);

        // A kill in the middle of writing leaves half a line at the end.
        var torn = problems.First(p => !done.Contains(p.Id));
        string line = ProblemJsonl.Serialize(torn);
        File.AppendAllText(outPath, line[..(line.Length / 2)]);

        await using (var teacher = await FaultyTeacher.StartAsync(problems, Tariff, faults: false))
        {
            var result = await new TeacherCollector(Options(teacher.Endpoint, concurrency: 2)).RunAsync(problems, outPath, null, CancellationToken.None);
            Assert.Equal((done.Count, 16 - done.Count, true), (result.AlreadyDone, result.Written, result.DroppedTornLine));
            foreach (var problem in problems) Assert.Equal(done.Contains(problem.Id) ? 0 : 2, teacher.Requests(problem));
        }
        var output = ReadOutput(outPath);
        AssertEveryProblemOnce(problems, output);
        Assert.All(output, p => Assert.Equal(3, p.Routes.Count));
        Assert.Equal(finished, File.ReadAllBytes(outPath)[..finished.Length]); // what run 1 wrote stays as it was
    }

    [Fact]
    public async Task AWholeLastLineWithoutItsNewlineCountsAsDone()
    {
        using var dir = new TempDirectory();
        string outPath = dir.File("out.jsonl");
        var problems = Problems(3);
        File.WriteAllText(outPath, ProblemJsonl.Serialize(problems[0]) + "\n" + ProblemJsonl.Serialize(problems[1]));

        await using var teacher = await FaultyTeacher.StartAsync(problems, Tariff, faults: false);
        var result = await new TeacherCollector(Options(teacher.Endpoint, concurrency: 2)).RunAsync(problems, outPath, null, CancellationToken.None);

        Assert.Equal((2, 1, false), (result.AlreadyDone, result.Written, result.DroppedTornLine));
        Assert.Equal([0, 0, 2], problems.Select(teacher.Requests));
        AssertEveryProblemOnce(problems, ReadOutput(outPath));
    }

    [Fact]
    public async Task AnOutputHoldingAProblemTwiceOrAnInputWithRepeatedIdsIsRefused()
    {
        using var dir = new TempDirectory();
        var problems = Problems(2);
        var collector = new TeacherCollector(Options(new Uri("http://127.0.0.1:1/v1"), concurrency: 1));
        File.WriteAllText(dir.File("twice.jsonl"), string.Concat(Enumerable.Repeat(ProblemJsonl.Serialize(problems[0]) + "\n", 2)));
        var twice = await Assert.ThrowsAsync<RealmException>(() => collector.RunAsync(problems, dir.File("twice.jsonl"), null, CancellationToken.None));
        Assert.Contains($"'{problems[0].Id}' appears twice", twice.Message);

        var repeated = await Assert.ThrowsAsync<RealmException>(() => collector.RunAsync([problems[0], problems[0]], dir.File("new.jsonl"), null, CancellationToken.None));
        Assert.Contains("appears twice in the input", repeated.Message);
    }

    [Fact]
    public async Task AnErrorThatRetryingCannotMendStopsTheRunAtOnce()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));
        var options = Options(server.ApiBase, concurrency: 2) with { Model = "gpt-4o" }; // realm serve answers 404 model_not_found

        var error = await Assert.ThrowsAsync<RealmException>(() => new TeacherCollector(options).RunAsync(Problems(4), dir.File("out.jsonl"), null, CancellationToken.None));
        Assert.Contains("HTTP 404", error.Message);
        Assert.Contains("gpt-4o", error.Message);
        Assert.DoesNotContain("retries", error.Message);
        Assert.Equal(0, server.Server.Batcher.CompletedSequences);
        Assert.Empty(File.ReadAllText(dir.File("out.jsonl")));
    }
}
