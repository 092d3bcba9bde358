using Realm.Tests.Training;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Tests.Method;
using Realm.Training;

namespace Realm.Tests.Lora;

/// <summary>The SFT and GRPO trainers with adapters attached: only the adapters learn, and runs resume exactly.</summary>
public class LoraTrainingTests
{
    private static readonly ByteTokenizer Tokenizer = new();

    private static LlamaModel Model(Cpu cpu, int layers = 2)
    {
        var config = new LlamaConfig
        {
            ModelType = "qwen2", HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = layers, NumAttentionHeads = 2, NumKeyValueHeads = 1,
            VocabSize = Tokenizer.VocabSize, MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
        };
        var model = new LlamaModel(config, cpu);
        // Larger than the usual 0.02: the frozen (tied) output head must be able to express confident predictions.
        model.InitializeRandom(2, std: 0.3f);
        return model;
    }

    private static LoraAdapters Adapters(LlamaModel model, double dropout = 0) =>
        LoraAdapters.Create(model.Config, new LoraConfig { Rank = 4, Alpha = 8, Dropout = dropout, Targets = LoraTargets.All.ToArray() }, seed: 9);

    private static List<PromptCompletion> Examples() => Enumerable.Range(0, 30).Select(i =>
        new PromptCompletion([Tokenizer.BosId, .. Tokenizer.Encode($"{i % 10}+1=")], [.. Tokenizer.Encode($"{i % 10 + 1}"), Tokenizer.EosId])).ToList();

    private static SftConfig Sft => new()
    {
        Steps = 40, BatchSize = 8, MaxTokensPerPass = 40, Seed = 4, CheckpointEvery = 1000,
        Optimizer = new OptimizerConfig { LearningRate = 2e-2f, WarmupSteps = 2 },
    };

    [Fact]
    public void SftOnAdaptersLowersTheLossAndLeavesTheBaseBitIdentical()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = Model(cpu);
        var baseWeights = model.Weights.Span.ToArray();
        using var adapters = Adapters(model, dropout: 0.05);
        var initial = adapters.Weights.Span.ToArray();
        model.Adapters = adapters;
        var history = new List<SftProgress>();
        new SftTrainer(model, Tokenizer, Examples(), Sft, null).Run(history.Add);

        Assert.True(history[^1].Loss < history[0].Loss * 0.5, $"loss {history[0].Loss:F3} → {history[^1].Loss:F3}");
        Assert.Equal(baseWeights, model.Weights.Span.ToArray());
        Assert.NotEqual(initial, adapters.Weights.Span.ToArray());
    }

    [Fact]
    public void AKilledAdapterRunResumesToTheSameAdapters()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        var config = Sft with { Steps = 6, CheckpointEvery = 2 };
        using var straightModel = Model(cpu);
        using var straight = Adapters(straightModel, dropout: 0.1);
        straightModel.Adapters = straight;
        new SftTrainer(straightModel, Tokenizer, Examples(), config, null).Run();

        using var dir = new TempDirectory();
        using (var first = Model(cpu))
        using (var firstAdapters = Adapters(first, dropout: 0.1))
        {
            first.Adapters = firstAdapters;
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                new SftTrainer(first, Tokenizer, Examples(), config, dir.Path).Run(p => { if (p.Step == 3) cts.Cancel(); }, cts.Token));
        }
        // The checkpoint holds the adapters (PEFT files) and their moments, not the frozen base.
        string checkpoint = dir.Path;
        Assert.True(File.Exists(Path.Combine(checkpoint, LoraConfig.FileName)));
        Assert.False(File.Exists(Path.Combine(checkpoint, LlamaModel.WeightsFileName)));

        using var resumedModel = Model(cpu);
        using var resumed = Adapters(resumedModel, dropout: 0.1);
        resumedModel.Adapters = resumed;
        var summary = new SftTrainer(resumedModel, Tokenizer, Examples(), config, dir.Path).Run();
        Assert.Equal(3, summary.StartStep);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
        Assert.Equal(straight.DropoutPasses, resumed.DropoutPasses);

        // The same checkpoint cannot resume a full-model run, nor a run with other LoRA settings.
        using var full = Model(cpu);
        var e = Assert.Throws<RealmException>(() => new SftTrainer(full, Tokenizer, Examples(), config, dir.Path).Run());
        Assert.Contains("lora.rank 4 → 0", e.Message);
        using var other = LoraAdapters.Create(full.Config, new LoraConfig { Rank = 2, Alpha = 8, Dropout = 0.1, Targets = LoraTargets.All.ToArray() }, 9);
        full.Adapters = other;
        e = Assert.Throws<RealmException>(() => new SftTrainer(full, Tokenizer, Examples(), config, dir.Path).Run());
        Assert.Contains("lora.rank 4 → 2", e.Message);
        Assert.Contains("start_adapter", e.Message);
        Assert.DoesNotContain("lora.alpha", e.Message);
    }

    private static GrpoConfig Grpo => new()
    {
        Steps = 4, PromptsPerStep = 4, Generations = 8, MaxNewTokens = 4, Seed = 3, CheckpointEvery = 2, Beta = 0.05, Iterations = 2,
        Optimizer = new OptimizerConfig { LearningRate = 2e-2f, WarmupSteps = 0, Decay = DecayShape.Constant, AdamW = new AdamWOptions { WeightDecay = 0 } },
    };

    private static GrpoTrainer<ProblemPrompt> GrpoTrainer(LlamaModel model, string? dir) =>
        GrpoTestKit.Trainer(model, Grpo, dir);

    [Fact]
    public void GrpoOnAdaptersUsesTheBaseAsKlReferenceAndResumesExactly()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var straightModel = Model(cpu, layers: 1);
        var baseWeights = straightModel.Weights.Span.ToArray();
        using var straight = Adapters(straightModel);
        straightModel.Adapters = straight;
        var history = new List<GrpoProgress>();
        GrpoTrainer(straightModel, null).Run(history.Add);
        Assert.True(history[^1].Kl > 0, $"KL {history[^1].Kl}");
        Assert.Equal(baseWeights, straightModel.Weights.Span.ToArray());
        Assert.Same(straight, straightModel.Adapters);

        // Fresh adapters (B = 0) compute the base model, so before any update the KL to the reference is exactly 0.
        using (var fresh = Model(cpu, layers: 1))
        using (var freshAdapters = Adapters(fresh))
        {
            fresh.Adapters = freshAdapters;
            var single = new List<GrpoProgress>();
            GrpoTestKit.Trainer(fresh, Grpo with { Steps = 1, Iterations = 1 }, null).Run(single.Add);
            Assert.Equal(0, single[0].Kl);
        }

        using var dir = new TempDirectory();
        using (var first = Model(cpu, layers: 1))
        using (var firstAdapters = Adapters(first))
        {
            first.Adapters = firstAdapters;
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => GrpoTrainer(first, dir.Path).Run(p => { if (p.Step == 3) cts.Cancel(); }, cts.Token));
        }
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "reference")), "no reference copy for an adapter run");
        using var resumedModel = Model(cpu, layers: 1);
        using var resumed = Adapters(resumedModel);
        resumedModel.Adapters = resumed;
        var steps = new List<long>();
        GrpoTrainer(resumedModel, dir.Path).Run(p => steps.Add(p.Step));
        Assert.Equal(new long[] { 4 }, steps);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
    }
}
