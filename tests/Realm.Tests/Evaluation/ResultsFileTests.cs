using System.Text.Json;
using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class ResultsFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ResultsFile Sample() => new()
    {
        Domain = "tariff",
        WallSeconds = 123.5,
        Rows =
        [
            MethodResult.FromCounts("ReaLM-R1", EvalSplit.Id, 100, 83, 70, verifyAcc: 0.9) with
            {
                PassAtK = new Dictionary<int, double> { [1] = 0.7, [8] = 0.95 },
                MajAtK = new Dictionary<int, double> { [8] = 0.8 },
                Seed = 3,
                Notes = "budget 400 steps",
            },
            MethodResult.FromCounts("SFT", EvalSplit.OodCompose, 50, 20, 10),
        ],
    };

    [Fact]
    public void FromCounts_GivesFractionsAndWilsonIntervals()
    {
        var row = MethodResult.FromCounts("SFT", EvalSplit.Id, 100, 83, 0);
        Assert.Equal(0.83, row.AccRoutes, 12);
        Assert.Equal(0.7445, row.AccRoutesCi.Lo, 4); // published Wilson interval for 83/100
        Assert.Equal(0.8911, row.AccRoutesCi.Hi, 4);
        Assert.Equal(0, row.AccNoRoutes);
        Assert.Equal(0, row.AccNoRoutesCi.Lo, 12);
        Assert.Equal(83, row.CorrectWithRoutes);
    }

    [Fact]
    public void FromCounts_WithNoProblems_HasZeroAccuracyAndTheWholeInterval()
    {
        var row = MethodResult.FromCounts("SFT", EvalSplit.Id, 0, 0, 0);
        Assert.Equal(0, row.AccRoutes);
        Assert.Equal(new ConfidenceInterval(0, 1), row.AccNoRoutesCi);
    }

    [Fact]
    public void MethodsAreWrittenWithTheirBudgets_AndReadBack()
    {
        string path = _temp.File("results.json");
        var method = new MethodSummary
        {
            Name = "GRPO", Role = MethodRole.Baseline, StartsFrom = "distilled", Stages = ["grpo"],
            Rewards = new Dictionary<string, double> { ["answer"] = 1.0 }, Routes = "none",
            Budget = new MethodBudget { Sequences = 4096, OptimizerUpdates = 64, GeneratedTokens = 300_000, TrainedTokens = 300_000 },
        };
        (Sample() with { Methods = [method] }).Write(path);

        using (var doc = JsonDocument.Parse(File.ReadAllText(path)))
        {
            Assert.Equal(["domain", "wall_seconds", "rows", "methods"], doc.RootElement.EnumerateObject().Select(p => p.Name));
            var m = doc.RootElement.GetProperty("methods")[0];
            Assert.Equal(["name", "role", "starts_from", "stages", "rewards", "routes", "budget"], m.EnumerateObject().Select(p => p.Name));
            Assert.Equal("baseline", m.GetProperty("role").GetString());
            Assert.Equal(["sequences", "optimizer_updates", "generated_tokens", "trained_tokens"], m.GetProperty("budget").EnumerateObject().Select(p => p.Name));
        }
        var read = ResultsFile.Read(path).Methods.Single();
        Assert.Equal((method.Name, method.Role, method.Budget, 1.0), (read.Name, read.Role, read.Budget, read.Rewards["answer"]));

        Assert.Contains("methods[1] is unnamed or repeats GRPO", Assert.Throws<RealmException>(() => (Sample() with { Methods = [method, method] }).ToJson()).Message);
    }

    [Fact]
    public void Write_UsesExactlyTheAgreedFieldNames()
    {
        string path = _temp.File("results.json");
        Sample().Write(path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal(["domain", "wall_seconds", "rows"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("tariff", root.GetProperty("domain").GetString());
        Assert.Equal(123.5, root.GetProperty("wall_seconds").GetDouble());

        // A row with nothing optional carries the required fields only, verify_acc as an explicit null.
        var plain = root.GetProperty("rows")[1];
        Assert.Equal(["method", "split", "n", "acc_routes", "acc_routes_ci", "acc_noroutes", "acc_noroutes_ci", "verify_acc"],
            plain.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("verify_acc").ValueKind);
        Assert.Equal("ood-compose", plain.GetProperty("split").GetString());
        Assert.Equal(50, plain.GetProperty("n").GetInt32());
        Assert.Equal(0.4, plain.GetProperty("acc_routes").GetDouble(), 12);
        var ci = plain.GetProperty("acc_routes_ci");
        Assert.Equal(2, ci.GetArrayLength());
        Assert.True(ci[0].GetDouble() < 0.4 && 0.4 < ci[1].GetDouble());

        var full = root.GetProperty("rows")[0];
        Assert.Equal(0.9, full.GetProperty("verify_acc").GetDouble());
        Assert.Equal(0.95, full.GetProperty("pass_at_k").GetProperty("8").GetDouble());
        Assert.Equal(0.8, full.GetProperty("maj_at_k").GetProperty("8").GetDouble());
        Assert.Equal(3, full.GetProperty("seed").GetInt32());
        Assert.Equal("budget 400 steps", full.GetProperty("notes").GetString());
        Assert.False(full.TryGetProperty("seeds", out _));
        Assert.False(full.TryGetProperty("std", out _));
    }

    [Fact]
    public void Write_ThenRead_GivesTheSameResults_AndLeavesNoTemporaryFile()
    {
        string path = _temp.File("results.json");
        var written = Sample();
        written.Write(path);
        var read = ResultsFile.Read(path);

        Assert.Equal(["results.json"], _temp.Entries());
        Assert.Equal(written.Domain, read.Domain);
        Assert.Equal(written.WallSeconds, read.WallSeconds);
        Assert.Equal(2, read.Rows.Count);
        var (a, b) = (written.Rows[0], read.Rows[0]);
        Assert.Equal((a.Method, a.Split, a.N, a.AccRoutes, a.AccRoutesCi, a.AccNoRoutes, a.AccNoRoutesCi, a.VerifyAcc, a.Seed, a.Notes),
            (b.Method, b.Split, b.N, b.AccRoutes, b.AccRoutesCi, b.AccNoRoutes, b.AccNoRoutesCi, b.VerifyAcc, b.Seed, b.Notes));
        Assert.Equal(a.PassAtK, b.PassAtK);
        Assert.Null(read.Rows[1].VerifyAcc);
        Assert.Null(read.Rows[1].PassAtK);
        Assert.Same(read.Rows[1], read.Find("SFT", EvalSplit.OodCompose));
        Assert.Null(read.Find("SFT", EvalSplit.Id));
    }

    [Fact]
    public void UnknownFields_SurviveARewrite()
    {
        string path = _temp.File("results.json");
        File.WriteAllText(path, """
            {"domain": "tariff", "wall_seconds": 1, "git_commit": "abc",
             "rows": [{"method": "GRPO", "split": "id", "n": 4, "acc_routes": 0.5, "acc_routes_ci": [0.1, 0.9],
                       "acc_noroutes": 0.25, "acc_noroutes_ci": [0.05, 0.7], "verify_acc": null, "temperature": 0.7}]}
            """);
        ResultsFile.Read(path).Write(path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal("abc", doc.RootElement.GetProperty("git_commit").GetString());
        Assert.Equal(0.7, doc.RootElement.GetProperty("rows")[0].GetProperty("temperature").GetDouble());
    }

    [Theory]
    [InlineData("""{"method": "GRPO", "split": "id", "n": 4, "acc_routes_ci": [0, 1], "acc_noroutes": 0, "acc_noroutes_ci": [0, 1]}""", "acc_routes")]
    [InlineData("""{"method": "GRPO", "split": "test", "n": 4, "acc_routes": 0, "acc_routes_ci": [0, 1], "acc_noroutes": 0, "acc_noroutes_ci": [0, 1]}""", "split")]
    [InlineData("""{"method": "GRPO", "split": "id", "n": 4, "acc_routes": 1.5, "acc_routes_ci": [0, 1], "acc_noroutes": 0, "acc_noroutes_ci": [0, 1]}""", "acc_routes 1.5")]
    [InlineData("""{"method": "GRPO", "split": "id", "n": 4, "acc_routes": 0, "acc_routes_ci": [0, 1, 2], "acc_noroutes": 0, "acc_noroutes_ci": [0, 1]}""", "two numbers")]
    [InlineData("""{"method": "GRPO", "split": "id", "n": 4, "acc_routes": 0, "acc_routes_ci": [0, 1], "acc_noroutes": 0, "acc_noroutes_ci": [0, 1], "verify_acc": -0.1}""", "verify_acc")]
    public void Read_RejectsABadRow_NamingTheFileAndTheFault(string row, string fault)
    {
        string path = _temp.File("results.json");
        File.WriteAllText(path, $$"""{"domain": "tariff", "wall_seconds": 1, "rows": [{{row}}]}""");
        var e = Assert.Throws<RealmException>(() => ResultsFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void Read_RejectsTheSameResultTwice()
    {
        var row = MethodResult.FromCounts("SFT", EvalSplit.Id, 10, 5, 5);
        var results = new ResultsFile { Domain = "tariff", Rows = [row, row] };
        var e = Assert.Throws<RealmException>(() => results.Write(_temp.File("results.json")));
        Assert.Contains("repeats SFT/id", e.Message);
    }

    [Fact]
    public void Rows_OfDifferentSeeds_MayShareAFile()
    {
        var row = MethodResult.FromCounts("SFT", EvalSplit.Id, 10, 5, 5);
        string path = _temp.File("results.json");
        new ResultsFile { Domain = "tariff", Rows = [row with { Seed = 1 }, row with { Seed = 2 }] }.Write(path);
        Assert.Equal([1, 2], ResultsFile.Read(path).Rows.Select(r => r.Seed));
    }
}
