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

    [Fact]
    public void ACheckpointFromDifferentOptionsIsRefused()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var dir = new TempDirectory();
        using (var model = NewModel(cpu)) new LanguageModelTrainer(model, Tokenizer, Corpus(), Options with { Steps = 3 }, dir.Path).Run();
        using var again = NewModel(cpu);
        var ex = Assert.Throws<RealmException>(() =>
            new LanguageModelTrainer(again, Tokenizer, Corpus(), Options with { SequenceLength = 16 }, dir.Path).Run());
        Assert.Contains("checkpoint was made with", ex.Message);
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
