using Realm.Data;
using Realm.Domains;
using Realm.Tests.Serving;
using Realm.Tests.Teacher;

namespace Realm.Tests.Cli;

public class TeacherCliTests
{
    private static string WriteDataset(TempDirectory dir, int count)
    {
        string path = dir.File("problems.jsonl");
        ProblemJsonl.Write(path, DatasetBuilder.Build(BuiltInDomains.Get("tariff"),
            new DatasetOptions { Train = count, Dev = 0, Id = 0, OodLength = 0, OodCompose = 0, Positives = 1, Negatives = 0, Seed = 4 }));
        return path;
    }

    private static RealmProcess.Result Collect(TestServer server, string data, string output, params string[] more) =>
        RealmProcess.Run(["teacher", "collect", "--data", data, "--out", output, "--endpoint", server.Server.Address.ToString(),
            "--model", server.ModelName, "--routes", "2", "--max-tokens", "12", "--concurrency", "4", .. more]);

    [Fact]
    public async Task CollectsFromRealmServeAndARerunResumesWithNothingLeftToDo()
    {
        using var dir = new TempDirectory();
        string data = WriteDataset(dir, 3);
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));

        var run = Collect(server, data, dir.File("routes.jsonl"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("wrote 3 problems", run.Stdout);
        Assert.Contains("6 routes, 0 correct", run.Stdout); // a random model answers nothing right
        var output = ProblemJsonl.Read(dir.File("routes.jsonl")).Problems;
        Assert.Equal(ProblemJsonl.Read(data).Problems.Select(p => p.Id).Order(), output.Select(p => p.Id).Order());
        foreach (var problem in output)
        {
            Assert.Equal(["expert", "plain-model", "plain-model"], problem.Routes.Select(r => r.Source));
            Assert.All(problem.Routes.Skip(1), r => Assert.False(r.Correct));
        }
        Assert.Equal(6, server.Server.Batcher.CompletedSequences);

        // Seeded requests: a second collection into another file asks the same and gets the same routes.
        var again = Collect(server, data, dir.File("again.jsonl"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(File.ReadLines(dir.File("routes.jsonl")).Order(), File.ReadLines(dir.File("again.jsonl")).Order());

        // Rerun into the finished file: nothing is asked, nothing written.
        string before = File.ReadAllText(dir.File("routes.jsonl"));
        var rerun = Collect(server, data, dir.File("routes.jsonl"));
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Contains("wrote 0 problems", rerun.Stdout);
        Assert.Contains("(3 were already there)", rerun.Stdout);
        Assert.Equal(before, File.ReadAllText(dir.File("routes.jsonl")));
        Assert.Equal(12, server.Server.Batcher.CompletedSequences);
    }

    [Fact]
    public async Task AKilledCollectionResumesWithEveryProblemOnce()
    {
        using var dir = new TempDirectory();
        string data = WriteDataset(dir, 30);
        string output = dir.File("routes.jsonl");
        var problems = ProblemJsonl.Read(data).Problems;
        // Replies that take a while, so that the kill lands in the middle of the run.
        await using var teacher = await FaultyTeacher.StartAsync(problems, BuiltInDomains.Get("tariff"), faults: false, delay: TimeSpan.FromMilliseconds(40));
        string[] args = ["teacher", "collect", "--data", data, "--out", output, "--endpoint", teacher.Endpoint.ToString(), "--model", "fake", "--routes", "2", "--concurrency", "2"];

        var killed = RealmProcess.RunUntil(() => File.Exists(output) && File.ReadLines(output).Count() >= 5, args);
        Assert.NotEqual(0, killed.ExitCode);
        var before = problems.ToDictionary(p => p.Id, teacher.Requests);
        // Finished problems: every line the kill left whole (a last line cut short is not one).
        var finishedFirst = File.ReadAllText(output).Split('\n')
            .Select(line => ProblemJsonl.TryParse(line, out var problem, out _) ? problem.Id : null).OfType<string>().ToHashSet();
        Assert.InRange(finishedFirst.Count, 5, 29);

        var resumed = RealmProcess.Run(args);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var written = ProblemJsonl.Read(output).Problems;
        Assert.Equal(problems.Select(p => p.Id).Order(), written.Select(p => p.Id).Order());
        Assert.All(written, p => Assert.Equal(3, p.Routes.Count));
        // The problems finished before the kill were not asked again; every other one was asked for its routes
        // (at least two requests: one the killed run sent may still have reached the teacher after the kill).
        foreach (var problem in problems)
        {
            int asked = teacher.Requests(problem) - before[problem.Id];
            if (finishedFirst.Contains(problem.Id)) Assert.Equal(0, asked);
            else Assert.True(asked >= 2, $"{problem.Id}: {asked} requests");
        }
    }

    [Fact]
    public async Task ABadDatasetLineIsNamedOrSkippedWhenAsked()
    {
        using var dir = new TempDirectory();
        string data = WriteDataset(dir, 2);
        File.AppendAllText(data, "{\"id\": \"x\", \"question\": \"no answer\"}\n");
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));

        RealmProcess.AssertUserError(Collect(server, data, dir.File("out.jsonl")), $"{data}:3:", "--skip-bad-lines");
        Assert.Equal(0, server.Server.Batcher.CompletedSequences);

        var skipping = Collect(server, data, dir.File("out.jsonl"), "--skip-bad-lines");
        Assert.True(skipping.ExitCode == 0, skipping.Stderr);
        Assert.Contains($"skipped {data}:3:", skipping.Stdout);
        Assert.Equal(2, ProblemJsonl.Read(dir.File("out.jsonl")).Problems.Count);
    }

    [Fact]
    public void AnEndpointThatCannotBeReachedIsAOneLineError()
    {
        using var dir = new TempDirectory();
        var r = RealmProcess.Run("teacher", "collect", "--data", WriteDataset(dir, 1), "--out", dir.File("out.jsonl"),
            "--endpoint", "http://127.0.0.1:1/v1", "--model", "m", "--max-retries", "0");
        RealmProcess.AssertUserError(r, "http://127.0.0.1:1/v1");
    }
}
