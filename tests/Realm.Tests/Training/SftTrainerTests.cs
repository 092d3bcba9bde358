using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Tests.Training;

public class SftTrainerTests
{
    private static readonly ByteTokenizer Tokenizer = new();

    private static LlamaModel Model(Cpu cpu, ulong initSeed = 2)
    {
        var config = new LlamaConfig
        {
            HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, NumKeyValueHeads = 1,
            VocabSize = Tokenizer.VocabSize, MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
        };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(initSeed);
        return model;
    }

    private static List<PromptCompletion> Examples() => Enumerable.Range(0, 30).Select(i =>
        new PromptCompletion([Tokenizer.BosId, .. Tokenizer.Encode($"{i % 10}+1=")], [.. Tokenizer.Encode($"{i % 10 + 1}"), Tokenizer.EosId])).ToList();

    private static SftConfig Config => new()
    {
        Steps = 40, BatchSize = 8, MaxTokensPerPass = 40, Seed = 4, CheckpointEvery = 1000,
        Optimizer = new OptimizerConfig { LearningRate = 1e-2f, WarmupSteps = 2 },
    };

    [Fact]
    public void CompletionLossFallsAndPromptTokensAreNotLearned()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = Model(cpu);
        var history = new List<SftProgress>();
        new SftTrainer(model, Tokenizer, Examples(), Config, null).Run(history.Add);
        Assert.True(history[^1].Loss < history[0].Loss * 0.5, $"loss {history[0].Loss:F3} → {history[^1].Loss:F3}");

        // Coefficients land only on completion rows: a batch whose completions are empty changes nothing.
        var packed = new PackedCompletions([new PromptCompletion([1, 2, 3], [4, 5])]);
        Assert.Equal(2, packed.CompletionStart[0]); // row 2 (token 3) predicts the first completion token (4)
        Assert.Equal(4, packed.Batch.Targets[2]);
        Assert.Equal(5, packed.Batch.Targets[3]);
    }

    [Fact]
    public void AKilledRunResumesToTheSameWeights()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        var config = Config with { Steps = 6, CheckpointEvery = 2 };
        using var straight = Model(cpu);
        new SftTrainer(straight, Tokenizer, Examples(), config, null).Run();
        using var dir = new TempDirectory();
        using (var first = Model(cpu))
        {
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                new SftTrainer(first, Tokenizer, Examples(), config, dir.Path).Run(p => { if (p.Step == 3) cts.Cancel(); }, cts.Token));
        }
        // Other settings are refused, naming each difference.
        RealmException Refusal(SftConfig other, List<PromptCompletion>? examples = null, ulong initSeed = 2)
        {
            using var model = Model(cpu, initSeed);
            return Assert.Throws<RealmException>(() => new SftTrainer(model, Tokenizer, examples ?? Examples(), other, dir.Path).Run());
        }
        var e = Refusal(config with { Optimizer = config.Optimizer with { LearningRate = 2e-2f }, BatchSize = 4 });
        Assert.Contains("checkpoint was made with other settings: batch_size 8 → 4, optimizer.learning_rate 0.01 → 0.02; use the same settings to resume", e.Message);
        Assert.Contains("optimizer.adamw.epsilon 1E-08 → 1E-06",
            Refusal(config with { Optimizer = config.Optimizer with { AdamW = new AdamWOptions { Epsilon = 1e-6f } } }).Message);
        Assert.Contains("data sha256:", Refusal(config, Examples().Take(29).ToList()).Message);
        Assert.Contains("base_model sha256:", Refusal(config, initSeed: 5).Message);

        // Cadences are not settings: a resume with others continues to the weights of an uninterrupted run.
        using var resumed = Model(cpu);
        var summary = new SftTrainer(resumed, Tokenizer, Examples(), config with { CheckpointEvery = 5, EvalEvery = 1 }, dir.Path).Run();
        Assert.Equal(3, summary.StartStep);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
    }

    [Fact]
    public void GroupingKeepsEachPassWithinTheTokenBudget()
    {
        var samples = new[] { 10, 20, 15, 40, 5, 5 }.Select(n => new PromptCompletion(new int[n / 2], new int[n - n / 2])).ToList();
        var groups = PackedCompletions.Group(samples, 30);
        Assert.Equal(new[] { new[] { 0, 1 }, new[] { 2 }, new[] { 3 }, new[] { 4, 5 } }, groups.Select(g => g.ToArray()));
    }
}
