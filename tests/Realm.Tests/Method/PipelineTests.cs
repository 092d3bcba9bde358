using System.Text.Json;
using Realm.Data;
using Realm.Engine.Compute;
using Realm.Evaluation;
using Realm.Method;
using Realm.Method.Rewards;
using Realm.Method.Pipelines;

namespace Realm.Tests.Method;

public class PipelineTests
{
    private sealed class SilentObserver : IExperimentObserver
    {
        public List<string> Stages { get; } = new();
        public void StageStarted(string name, int totalSteps) => Stages.Add(name);
        public void StageProgress(int step, string detail) { }
        public void StageFinished(string detail) { }
        public void Log(string message) => Stages.Add(message);
    }

    /// <summary>The whole comparison at toy scale: every stage runs, results.json has every method and split.</summary>
    private static ExperimentConfig Tiny => ExperimentConfig.Demo with
    {
        Hidden = 32, Layers = 1, Heads = 2, KvHeads = 1, Ffn = 64, MaxPositions = 512, TokenizerVocab = 300,
        GeneralProblems = 40, TrainProblems = 30, TestProblems = 6, PretrainSteps = 2, SftSteps = 2, BatchSize = 4,
        MethodSequences = 16, RlPromptsPerStep = 2, RlGenerations = 4, MaxNewTokens = 24, MaxTokensPerPass = 2048,
    };

    [Fact]
    public void AToyRunWritesEveryMethodAndResumesWithoutRetraining()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var dir = new TempDirectory();
        var observer = new SilentObserver();
        ResultsFile results;
        var ctx = Experiment.Prepare(Tiny, dir.Path, cpu, observer);
        using (ctx.Metrics) results = Experiment.Run(ctx);

        var expected = new[] { "Base", "SFT", "RFT", "CoT-Synthesizer", "GRPO", "LLMs-as-Instructor", "ReaLM-Zero", "ReaLM-R1" };
        foreach (var method in expected)
            foreach (var split in EvalSplit.Tests)
            {
                var row = results.Find(method, split);
                Assert.NotNull(row);
                Assert.Equal(6, row!.N);
                Assert.InRange(row.AccRoutes, 0, 1);
                Assert.True(row.AccNoRoutesCi.Lo <= row.AccNoRoutes && row.AccNoRoutes <= row.AccNoRoutesCi.Hi);
            }
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "results.json"))))
        {
            Assert.Equal("tariff", doc.RootElement.GetProperty("domain").GetString());
            Assert.True(doc.RootElement.GetProperty("wall_seconds").GetDouble() > 0);
            var row = doc.RootElement.GetProperty("rows")[0];
            foreach (var key in new[] { "method", "split", "n", "acc_routes", "acc_routes_ci", "acc_noroutes", "acc_noroutes_ci", "verify_acc" })
                Assert.True(row.TryGetProperty(key, out _), key);
        }
        foreach (var file in new[] { "report.md", "metrics.jsonl", "eaai_schedule.svg", "reward.svg", "tokenizer/tokenizer.json", "data/tariff.jsonl" })
            Assert.True(File.Exists(Path.Combine(dir.Path, file)), file);
        Assert.Contains("eaai_schedule.svg", File.ReadAllText(Path.Combine(dir.Path, "report.md")));
        var metrics = MetricsLog.Read(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Contains(metrics, r => r.Method == "ReaLM-R1" && r.Value("eaai_alpha") is double a && a > 0);
        Assert.Contains(metrics, r => r.Method == "GRPO" && r.Value("frac_zero_std") != null && r.Value("frac_zero_std_raw") != null);

        // Every method spent what its record planned: equal sequences and updates (RFT spends nothing when no sample verifies).
        var planned = Methods.All(Tiny).First().PlannedBudget(Tiny);
        Assert.Equal((16L, 2L), (planned.Sequences, planned.OptimizerUpdates));
        Assert.Equal(expected, results.Methods.Select(m => m.Name));
        Assert.Equal(MethodRole.Reference, results.Methods[0].Role);
        foreach (var m in results.Methods.Skip(1))
        {
            if (m.Name == "RFT" && m.Budget.OptimizerUpdates == 0) continue;
            Assert.Equal((planned.Sequences, planned.OptimizerUpdates), (m.Budget.Sequences, m.Budget.OptimizerUpdates));
            Assert.True(m.Budget.TrainedTokens > 0, m.Name);
            // Dynamic sampling's refills are generated but not trained on (μ = 1: each trained token once).
            if (m.Stages.Contains("grpo")) Assert.True(m.Budget.GeneratedTokens >= m.Budget.TrainedTokens, m.Name);
        }
        Assert.True(results.Methods.Single(m => m.Name == "RFT").Budget.GeneratedTokens > 0);
        Assert.Equal(0, results.Methods.Single(m => m.Name == "SFT").Budget.GeneratedTokens);
        Assert.Equal(Tiny.PretrainSteps, results.Methods[0].Budget.OptimizerUpdates);
        Assert.Equal(results.Methods, ResultsFile.Read(Path.Combine(dir.Path, "results.json")).Methods, new SummaryComparer());

        // Run again: every stage is found complete, the results are the same.
        var again = new SilentObserver();
        var ctx2 = Experiment.Prepare(Tiny, dir.Path, cpu, again);
        ResultsFile second;
        using (ctx2.Metrics) second = Experiment.Run(ctx2);
        Assert.DoesNotContain(again.Stages, s => s.Contains(": SFT on") || s.Contains(": RL"));
        Assert.Equal(results.Rows.Select(r => (r.Method, r.Split, r.AccRoutes, r.AccNoRoutes)), second.Rows.Select(r => (r.Method, r.Split, r.AccRoutes, r.AccNoRoutes)));
        Assert.Equal(results.Methods.Select(m => m.Budget), second.Methods.Select(m => m.Budget));

        // The same directory with another budget is refused rather than reusing models trained for the old one.
        var ctx3 = Experiment.Prepare(Tiny with { MethodSequences = 32 }, dir.Path, cpu, new SilentObserver());
        using (ctx3.Metrics)
        {
            var refused = Assert.Throws<RealmException>(() => Experiment.Run(ctx3));
            Assert.Contains("other settings", refused.Message);
        }
    }

    private sealed class SummaryComparer : IEqualityComparer<MethodSummary>
    {
        public bool Equals(MethodSummary? a, MethodSummary? b) => a!.Name == b!.Name && a.Role == b.Role && a.StartsFrom == b.StartsFrom &&
            a.Stages.SequenceEqual(b.Stages) && a.Rewards.OrderBy(r => r.Key).SequenceEqual(b.Rewards.OrderBy(r => r.Key)) && a.Routes == b.Routes && a.Budget == b.Budget;
        public int GetHashCode(MethodSummary m) => m.Name.GetHashCode();
    }

    [Fact]
    public void DiagnosisFindsTheRuleOfTheFirstDivergingStep()
    {
        var expert = new Route { Text = "1. R1: zone B rate 3\n2. R2: 7*3=21\n3. R4: 21*2=42\nAnswer: 42", Answer = "42", Correct = true };
        Assert.Equal(4, MistakeDiagnosis.FirstWrongRule(expert, "1. R1: zone B rate 3\n2. R2: 7*3=21\n3. R6: 21+6=27"));
        Assert.Equal(2, MistakeDiagnosis.FirstWrongRule(expert, "1. R1: zone B rate 3\n2. R2: 7*3=24"));
        Assert.Equal(4, MistakeDiagnosis.FirstWrongRule(expert, "1. R1: zone B rate 3\n2. R2: 7*3=21")); // stopped early
        Assert.Null(MistakeDiagnosis.FirstWrongRule(expert, "1. R1: zone B rate 3\n2. R2: 7*3=21\n3. R4: 21*2=42"));
        Assert.Equal(1, MistakeDiagnosis.FirstWrongRule(expert, null));
    }

    [Fact]
    public void TeacherCompletionsCarryTheRightVerdicts()
    {
        var p = new Problem { Id = "x", Domain = "fake", Question = "2+3", Answer = "5" };
        p.Routes.Add(new Route { Text = "1. R1: 2+3=5\nAnswer: 5", Answer = "5", Correct = true });
        p.Routes.Add(new Route { Text = "1. R1: 2+3=6\nAnswer: 6", Answer = "6", Correct = false, FirstErrorStep = 1 });
        var prompt = MrpvPrompts.Render(p, p.Routes, 1.0);
        var text = TrainingExamples.Completion(prompt, p.Routes[0]);
        Assert.Equal("<verify>\nRoute 1: correct\nRoute 2: wrong at step 1\n</verify>\n<think>\n1. R1: 2+3=5\n</think>\nAnswer: 5", text);
        var task = new ProblemPrompt(new FakeDomain(), p, prompt);
        // The teacher's own answer earns the full reward of every MRPV plug-in.
        Assert.All(RewardPlugins.For(RewardPlugins.Mrpv()), reward => Assert.Equal(1.0, reward.Score(task, text), 10));
        Assert.Equal("<think>\n1. R1: 2+3=5\n</think>\nAnswer: 5", TrainingExamples.Completion(MrpvPrompts.Plain(p), p.Routes[0]));
    }
}
