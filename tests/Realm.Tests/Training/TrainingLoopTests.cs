using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Tests.Training;

/// <summary>The loop itself, with a step that only draws from the generator and applies an update.</summary>
public class TrainingLoopTests
{
    private static LlamaModel Model(Cpu cpu)
    {
        var model = new LlamaModel(new LlamaConfig
        {
            HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1, VocabSize = 32,
            MaxPositionEmbeddings = 16, TieWordEmbeddings = true,
        }, cpu);
        model.InitializeRandom(1);
        return model;
    }

    [Fact]
    public void ACancelledRunResumesWithItsExtrasCountersAndGeneratorState()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var dir = new TempDirectory();
        string? loaded = null;
        var options = new TrainingLoopOptions
        {
            Steps = 5, UpdatesPerStep = 2, Optimizer = new OptimizerConfig(), Seed = 7, CheckpointDirectory = dir.Path, CheckpointEvery = 2,
            SaveExtra = d => File.WriteAllText(Path.Combine(d, "extra.txt"), "reference"),
            LoadExtra = d => loaded = File.ReadAllText(Path.Combine(d, "extra.txt")),
        };
        var settings = new RunSettings().Add("trainer", "test");
        var draws = new List<ulong>();
        void Step(TrainingLoop loop, long step)
        {
            draws.Add(loop.Rng.NextULong());
            loop.Count("updates", 2);
            loop.Updater.Apply(2 * step);
            loop.Updater.Apply(2 * step + 1);
        }

        using (var model = Model(cpu))
        using (var loop = new TrainingLoop(model, null, settings, options))
        {
            Assert.False(loop.Resumed);
            Assert.Null(loaded);
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => loop.Run(step =>
            {
                Step(loop, step);
                if (step == 2) cts.Cancel();
            }, cts.Token));
        }
        // Saved at step 2 (the interval) and at 3 (cancelled before step 4), with the extra file each time.
        Assert.Equal(3, TrainingCheckpoint.StepOf(dir.Path));
        Assert.Equal(6, TrainingCheckpoint.ReadState(dir.Path).Counters["updates"]);

        using (var model = Model(cpu))
        using (var loop = new TrainingLoop(model, null, settings, options))
        {
            Assert.Equal(3, loop.StartStep);
            Assert.Equal("reference", loaded);
            Assert.Equal(6, loop.Updater.Optimizer.Step);
            var summary = loop.Run(step => Step(loop, step));
            Assert.Equal(new TrainingSummary(3, 5, null), summary);
            Assert.Equal(10, loop.Counters["updates"]);
        }
        var fresh = new SplitMix64(7);
        Assert.Equal(Enumerable.Range(0, 5).Select(_ => fresh.NextULong()), draws);

        // Other settings are refused before anything is loaded; no checkpoint directory means no checks at all.
        using var other = Model(cpu);
        var e = Assert.Throws<RealmException>(() => new TrainingLoop(other, null, new RunSettings().Add("trainer", "other"), options));
        Assert.Contains("trainer test → other", e.Message);
        using var free = new TrainingLoop(other, null, settings, options with { CheckpointDirectory = null });
        Assert.Null(free.Settings);
        Assert.Equal(0, free.StartStep);
    }
}
