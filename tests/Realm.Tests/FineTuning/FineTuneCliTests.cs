using System.Text.Json;
using Realm.Data;
using Realm.Evaluation;
using Realm.Tests.Chat;
using Realm.Tests.Cli;

namespace Realm.Tests.FineTuning;

/// <summary>
/// <c>realm sft</c>, <c>realm rl</c> and <c>realm eval --adapter</c> on a Hugging Face Qwen2 directory with a
/// ChatML chat template and a dataset of a domain realm does not know, run as a user would.
/// </summary>
public class FineTuneCliTests
{
    /// <summary>A user's own domain: sums, one correct and one wrong route each; 12 train and 4 held-out problems.</summary>
    internal static string WriteDataset(string path, Func<int, Problem, Problem>? change = null)
    {
        var problems = Enumerable.Range(0, 16).Select(i =>
        {
            int a = i % 5 + 1, b = i % 3 + 2;
            var problem = new Problem
            {
                Id = $"sum-{i:D3}", Domain = "sums", Question = $"What is {a} + {b}?", Answer = $"{a + b}",
                Split = i < 12 ? "train" : "id",
                Routes =
                [
                    new Route { Text = $"1. add {a} and {b}: {a + b}\nAnswer: {a + b}", Answer = $"{a + b}", Correct = true, Source = "teacher" },
                    new Route { Text = $"1. add {a} and {b}: {a + b + 1}\nAnswer: {a + b + 1}", Answer = $"{a + b + 1}", FirstErrorStep = 1, Source = "teacher" },
                ],
            };
            return change?.Invoke(i, problem) ?? problem;
        }).ToList();
        ProblemJsonl.Write(path, problems);
        return path;
    }

    private static void AssertOk(RealmProcess.Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");

    [Fact]
    public void SftTrainsALoraAdapterThatEvalApplies()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), data = WriteDataset(dir.File("sums.jsonl")), adapter = dir.File("sft");
        var baseWeights = File.ReadAllBytes(Path.Combine(model, "model.safetensors"));

        var r = RealmProcess.Run("sft", "--model", model, "--data", data, "--out", adapter, "--lora-rank", "4", "--steps", "6", "--batch", "6",
            "--lr", "3e-2", "--warmup", "0", "--checkpoint-every", "3", "--eval-problems", "2", "--max-new-tokens", "8");
        AssertOk(r);
        Assert.Contains("12 sums problems", r.Stdout);
        Assert.Contains("chat format chatml", r.Stdout);
        Assert.Contains("held-out", r.Stdout);
        foreach (var file in new[] { "adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "tokenizer_config.json", "metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(adapter, file)), file);
        Assert.Equal(baseWeights, File.ReadAllBytes(Path.Combine(model, "model.safetensors")));
        var metrics = MetricsLog.Read(Path.Combine(adapter, "metrics.jsonl"));
        Assert.Equal([1L, 2, 3, 4, 5, 6], metrics.Select(m => m.Step));
        Assert.All(metrics, m => Assert.Equal("SFT (guided distillation)", m.Method));
        Assert.Contains(metrics, m => m.Values.ContainsKey("eval_acc"));
        Assert.True(metrics[^1].Values["loss"] < 0.8 * metrics[0].Values["loss"], string.Join(", ", metrics.Select(m => m.Values["loss"])));

        r = RealmProcess.Run("eval", "--model", model, "--adapter", adapter, "--data", data, "--max-new-tokens", "8", "--json");
        AssertOk(r);
        using var rows = JsonDocument.Parse(r.Stdout);
        var row = Assert.Single(rows.RootElement.EnumerateArray());
        Assert.Equal("id", row.GetProperty("split").GetString());
        Assert.Equal(4, row.GetProperty("n").GetInt32());

        r = RealmProcess.RunWithInput("Q: What is 2 + 3?\nA:\n", "chat", "--model", model, "--adapter", adapter, "--greedy", "--max-new-tokens", "4");
        AssertOk(r);
        Assert.Contains("tokens", r.Stderr);
    }

    [Fact]
    public void FullFineTuningWritesAModelDirectoryThatKeepsTheChatFormat()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), data = WriteDataset(dir.File("sums.jsonl")), output = dir.File("full");
        AssertOk(RealmProcess.Run("sft", "--model", model, "--data", data, "--out", output, "--steps", "1", "--batch", "2", "--eval-problems", "0"));
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        Assert.Equal(File.ReadAllBytes(Path.Combine(model, "tokenizer_config.json")), File.ReadAllBytes(Path.Combine(output, "tokenizer_config.json")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(model, "model.safetensors")), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));

        var r = RealmProcess.Run("rl", "--model", output, "--data", data, "--out", dir.File("rl"), "--method", "grpo", "--steps", "1", "--prompts", "1",
            "--generations", "2", "--max-new-tokens", "4", "--eval-problems", "0");
        AssertOk(r);
        Assert.Contains("chat format chatml; training all weights", r.Stdout);
    }

    [Fact]
    public void RlWithLoraResumesAfterAKillToTheSameAdapter()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), data = WriteDataset(dir.File("sums.jsonl"));
        string[] Rl(string output) => ["rl", "--model", model, "--data", data, "--out", output, "--method", "realm-r1", "--lora-rank", "4",
            "--steps", "10", "--prompts", "2", "--generations", "4", "--max-new-tokens", "12", "--lr", "1e-2", "--checkpoint-every", "1",
            "--eval-problems", "0", "--lora-dropout", "0.1"];

        var straight = RealmProcess.Run(Rl(dir.File("straight")));
        AssertOk(straight);
        Assert.Contains("ReaLM-R1 RL", straight.Stdout);
        var metrics = MetricsLog.Read(dir.File("straight/metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), metrics.Select(m => m.Step));
        Assert.All(metrics, m => Assert.Equal("ReaLM-R1", m.Method));
        // EAAI: routes fade from α = 1 at the start to 0 at 80% of the run.
        Assert.Equal(1.0, metrics[0].Values["eaai_alpha"], 6);
        Assert.Equal(0.0, metrics[^1].Values["eaai_alpha"], 6);

        string resumed = dir.File("resumed");
        var killed = RealmProcess.RunUntil(() => TrainingStep(Path.Combine(resumed, "checkpoint")) >= 2, Rl(resumed));
        Assert.True(TrainingStep(Path.Combine(resumed, "checkpoint")) < 10, "the run was killed before its last step");
        Assert.NotEqual(0, killed.ExitCode);
        var again = RealmProcess.Run(Rl(resumed));
        AssertOk(again);
        Assert.Contains("resuming", again.Stdout);
        Assert.Equal(File.ReadAllBytes(dir.File("straight/adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "adapter_model.safetensors")));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), MetricsLog.Read(Path.Combine(resumed, "metrics.jsonl")).Select(m => m.Step));
    }

    /// <summary>
    /// The step of the checkpoint a running realm writes, read without touching the directory
    /// (<c>TrainingCheckpoint.StepOf</c> would repair a swap in progress under the writer's feet); 0 while there is none.
    /// </summary>
    internal static long TrainingStep(string checkpoint)
    {
        try
        {
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "trainer_state.json")));
            return state.RootElement.GetProperty("step").GetInt64();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return 0;
        }
    }

    [Fact]
    public void BadInputIsOneClearError()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), good = WriteDataset(dir.File("sums.jsonl"));
        string[] Sft(string data, params string[] more) => ["sft", "--model", model, "--data", data, "--out", dir.File("out"), "--steps", "1", .. more];

        string noSolution = WriteDataset(dir.File("no-solution.jsonl"), (i, p) => i == 3 ? WithRoutes(p, p.Routes.Where(r => !r.Correct)) : p);
        RealmProcess.AssertUserError(RealmProcess.Run(Sft(noSolution)), "no-solution.jsonl:4", "problem 'sum-003' has no route marked correct");

        string mislabelled = WriteDataset(dir.File("mislabelled.jsonl"), (i, p) => i == 5
            ? WithRoutes(p, p.Routes.Select(r => new Route { Text = r.Text, Answer = r.Answer, Correct = true }))
            : p);
        RealmProcess.AssertUserError(RealmProcess.Run(Sft(mislabelled)), "mislabelled.jsonl:6", "marked correct but its answer");

        string wrongField = dir.File("wrong-field.jsonl");
        File.WriteAllLines(wrongField, File.ReadAllLines(good).Select((line, i) => i == 1 ? line.Replace("\"correct\":true", "\"correct\":\"yes\"") : line));
        RealmProcess.AssertUserError(RealmProcess.Run(Sft(wrongField)), "wrong-field.jsonl:2", "correct");

        string noRoutes = WriteDataset(dir.File("no-routes.jsonl"), (_, p) => WithRoutes(p, []));
        RealmProcess.AssertUserError(RealmProcess.Run("rl", "--model", model, "--data", noRoutes, "--out", dir.File("rl")),
            "no-routes.jsonl", "no training problem has routes", "--method grpo");

        RealmProcess.AssertUserError(RealmProcess.Run(Sft(good, "--lora-rank", "4", "--adapter", dir.File("a"))), "--adapter", "--lora-rank", "not both");

        // An adapter trained on one base, applied to a model of another shape.
        string adapter = dir.File("adapter");
        AssertOk(RealmProcess.Run("sft", "--model", model, "--data", good, "--out", adapter, "--lora-rank", "2", "--steps", "1", "--batch", "2",
            "--eval-problems", "0"));
        string other = ChatModels.CreateQwen2(dir, "other", hidden: 48);
        RealmProcess.AssertUserError(RealmProcess.Run("eval", "--model", other, "--adapter", adapter, "--data", good),
            "adapter_model.safetensors", "adapter for a different base model");
        RealmProcess.AssertUserError(RealmProcess.Run("rl", "--model", other, "--adapter", adapter, "--data", good, "--out", dir.File("rl2")),
            "adapter_model.safetensors", "adapter for a different base model");
    }

    /// <summary>A copy of the problem with other routes.</summary>
    internal static Problem WithRoutes(Problem p, IEnumerable<Route> routes) => new()
    {
        Id = p.Id, Domain = p.Domain, Question = p.Question, Answer = p.Answer, Split = p.Split, Routes = routes.ToList(),
    };

    [Theory]
    [InlineData("sft", "--lora-rank --route-share --batch --eval-split")]
    [InlineData("rl", "--method --eaai-schedule --eaai-end --generations --beta --lora-rank")]
    public void OptionsAreDocumented(string command, string mentions)
    {
        var r = RealmProcess.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var option in mentions.Split(' ')) Assert.Contains(option, r.Stdout);
    }
}
