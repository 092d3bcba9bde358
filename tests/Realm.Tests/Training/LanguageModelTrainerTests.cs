using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Tests.Training;

public class LanguageModelTrainerTests
{
    private static readonly ByteTokenizer Tokenizer = new();

    private static LlamaModel NewModel(Cpu cpu)
    {
        var config = new LlamaConfig
        {
            HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
            VocabSize = Tokenizer.VocabSize, MaxPositionEmbeddings = 64, TieWordEmbeddings = true,
        };
        var model = new LlamaModel(config, cpu);
        model.InitializeRandom(3);
        return model;
    }

    private static TextCorpus Corpus() =>
        TextCorpus.FromDocuments(Enumerable.Range(0, 40).Select(i => $"{i % 7} plus {i % 5} is {i % 7 + i % 5}."), Tokenizer);

    private static LmTrainingOptions Options => new()
    {
        Steps = 6, BatchSize = 4, MicroBatch = 2, SequenceLength = 24, LearningRate = 3e-3f, WarmupSteps = 2,
        EvalEvery = 3, EvalSequences = 4, CheckpointEvery = 3, Seed = 9,
    };

    [Fact]
    public void LossFallsOnASimpleCorpus()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = NewModel(cpu);
        using var dir = new TempDirectory();
        var trainer = new LanguageModelTrainer(model, Tokenizer, Corpus(), Options with { Steps = 40, EvalEvery = 40, CheckpointEvery = 40 }, dir.Path);
        double first = trainer.EvaluateLoss();
        var reports = new List<TrainingProgress>();
        trainer.Run(reports.Add);
        Assert.Equal(40, reports.Count);
        Assert.True(reports[^1].EvalLoss < first * 0.7, $"eval loss {first:F3} -> {reports[^1].EvalLoss:F3}");
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "tokenizer.json")));
        using var reloaded = LlamaModel.Load(dir.Path, cpu);
        Assert.Equal(model.Weights.Span.ToArray(), reloaded.Weights.Span.ToArray());
    }

    [Fact]
    public void AnInterruptedRunResumesToExactlyTheSameWeights()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var straight = NewModel(cpu);
        using var dirA = new TempDirectory();
        new LanguageModelTrainer(straight, Tokenizer, Corpus(), Options, dirA.Path).Run();

        using var dirB = new TempDirectory();
        using (var interrupted = NewModel(cpu))
        {
            using var cts = new CancellationTokenSource();
            var trainer = new LanguageModelTrainer(interrupted, Tokenizer, Corpus(), Options, dirB.Path);
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(p => { if (p.Step == 4) cts.Cancel(); }, cts.Token));
        }
        // Cancelled at the start of step 5: steps 1-4 were saved on the way out, although the regular
        // checkpoint interval (3) had only saved step 3.
        using var resumedModel = NewModel(cpu); // fresh weights: everything must come from the checkpoint
        var reports = new List<TrainingProgress>();
        var summary = new LanguageModelTrainer(resumedModel, Tokenizer, Corpus(), Options, dirB.Path).Run(reports.Add);
        Assert.Equal(new long[] { 5, 6 }, reports.Select(r => r.Step));
        Assert.Equal(4, summary.StartStep);
        Assert.True(reports[0].Resumed);
        Assert.Equal(straight.Weights.Span.ToArray(), resumedModel.Weights.Span.ToArray());
    }

    /// <summary>Runs 3 of the 6 steps into a checkpoint in <paramref name="dir"/>.</summary>
    private static void RunHalf(Cpu cpu, string dir)
    {
        using var model = NewModel(cpu);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new LanguageModelTrainer(model, Tokenizer, Corpus(), Options, dir).Run(p => { if (p.Step == 3) cts.Cancel(); }, cts.Token));
    }

    [Fact]
    public void ACheckpointFromOtherSettingsIsRefusedNamingEachDifference()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var dir = new TempDirectory();
        RunHalf(cpu, dir.Path);
        RealmException Refusal(LmTrainingOptions options, TextCorpus? corpus = null, Action<LlamaModel>? change = null)
        {
            using var model = NewModel(cpu);
            change?.Invoke(model);
            return Assert.Throws<RealmException>(() => new LanguageModelTrainer(model, Tokenizer, corpus ?? Corpus(), options, dir.Path).Run());
        }

        var e = Refusal(Options with { LearningRate = 2e-3f, SequenceLength = 16 });
        string checkpoint = Path.Combine(dir.Path, "checkpoint");
        Assert.Equal($"{checkpoint}: checkpoint was made with other settings: learning_rate 0.003 → 0.002, sequence_length 24 → 16; "
            + $"use the same settings to resume, or another output directory (or delete {checkpoint}) to start afresh", e.Message);
        Assert.Contains("steps 6 → 7", Refusal(Options with { Steps = 7 }).Message);
        Assert.Contains("optimizer.weight_decay 0.1 → 0", Refusal(Options with { Optimizer = new AdamWOptions { WeightDecay = 0 } }).Message);
        Assert.Contains("decay cosine → linear", Refusal(Options with { Decay = DecayShape.Linear }).Message);
        var otherText = TextCorpus.FromDocuments(Enumerable.Range(0, 40).Select(i => $"{i % 7} times {i % 5}."), Tokenizer);
        Assert.Matches("^[^ ]+: checkpoint was made with other settings: data sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…; ", Refusal(Options, otherText).Message);
        Assert.Contains("base_model sha256:", Refusal(Options, change: m => m.InitializeRandom(4)).Message);

        // Cadences are not settings: the run resumes, and ends where an uninterrupted one does.
        using var straight = NewModel(cpu);
        using (var dirA = new TempDirectory()) new LanguageModelTrainer(straight, Tokenizer, Corpus(), Options, dirA.Path).Run();
        using var resumed = NewModel(cpu);
        var summary = new LanguageModelTrainer(resumed, Tokenizer, Corpus(), Options with { CheckpointEvery = 1, EvalEvery = 2, EvalSequences = 2 }, dir.Path).Run();
        Assert.Equal(3, summary.StartStep);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
    }

    [Fact]
    public void TheCheckpointRecordsEverySettingAndTheHashOfThem()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var dir = new TempDirectory();
        RunHalf(cpu, dir.Path);
        var state = TrainingCheckpoint.ReadState(Path.Combine(dir.Path, "checkpoint"));
        Assert.Equal(3, state.Step);
        var settings = state.Settings!;
        Assert.Equal(RunSettings.HashOf(settings), state.SettingsHash);
        Assert.Equal("train-lm", settings["trainer"]);
        Assert.Equal("0.003", settings["learning_rate"]);
        Assert.Equal("0.95", settings["optimizer.beta2"]);
        Assert.Equal("2", settings["micro_batch"]);
        Assert.Equal("32", settings["model.hidden_size"]);
        Assert.Equal("0", settings["lora.rank"]);
        Assert.StartsWith("sha256:", settings["data"]);
        Assert.StartsWith("sha256:", settings["base_model"]);
        foreach (var excluded in new[] { "checkpoint_every", "eval_every", "eval_sequences", "effective_micro_batch", "optimizer_config" })
            Assert.False(settings.ContainsKey(excluded), excluded);
        Assert.Equal(3 * 4 * 24, state.Counters["tokens_seen"]);
        Assert.True(state.Values.ContainsKey("eval_loss"));
        Assert.Equal(2, state.Threads);
    }

    [Fact]
    public void ARunResumedWithAnotherThreadCountEndsBitIdentical()
    {
        // Thread count is deliberately not a setting: every kernel sums in a fixed order (docs/engine.md).
        using var two = TestSupport.NewCpu(SimdSupport.Best, threads: 2);
        using var straight = NewModel(two);
        using (var dirA = new TempDirectory()) new LanguageModelTrainer(straight, Tokenizer, Corpus(), Options, dirA.Path).Run();
        using var dir = new TempDirectory();
        using (var one = TestSupport.NewCpu(SimdSupport.Best, threads: 1)) RunHalf(one, dir.Path);
        using var three = TestSupport.NewCpu(SimdSupport.Best, threads: 3);
        using var resumed = NewModel(three);
        Assert.Equal(3, new LanguageModelTrainer(resumed, Tokenizer, Corpus(), Options, dir.Path).Run().StartStep);
        Assert.Equal(straight.Weights.Span.ToArray(), resumed.Weights.Span.ToArray());
    }

    [Fact]
    public void MalformedJsonlLinesAreReportedWithFileAndLine()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "c.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"hello\"}", "{\"text\": 3}", "not json", "{\"text\": \"world\"}"]);
        var ex = Assert.Throws<RealmException>(() => TextCorpus.Load(path, Tokenizer));
        Assert.Contains("c.jsonl:2", ex.Message);
        var corpus = TextCorpus.Load(path, Tokenizer, skipBadLines: true);
        Assert.Equal(2, corpus.Documents);
        Assert.Equal(2, corpus.SkippedLines.Count);
        Assert.Contains("c.jsonl:3", corpus.SkippedLines[1]);
    }
}
