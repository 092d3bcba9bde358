using Realm.Tests.Chat;
using Realm.Tests.FineTuning;

namespace Realm.Tests.Cli;

/// <summary>
/// Re-running <c>realm train-lm</c> or <c>realm sft</c> on an existing output directory: the same command
/// resumes (cadence options may differ), any changed setting is refused with one line naming it.
/// </summary>
public class ResumeSettingsCliTests
{
    private static void AssertOk(RealmProcess.Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");

    [Fact]
    public void TrainLmRefusesAChangedSettingAndResumesAKilledRunToTheSameModel()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Range(0, 200).Select(i => $"{i % 9} + {i % 4} = {i % 9 + i % 4}\n")));
        string[] Train(string output, string lr = "1e-3", string steps = "100", string seed = "1", string checkpointEvery = "1", string evalEvery = "50") =>
            ["train-lm", "--data", corpus, "--out", output, "--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "64",
             "--steps", steps, "--batch", "2", "--seq", "16", "--lr", lr, "--seed", seed, "--eval-every", evalEvery, "--checkpoint-every", checkpointEvery];

        string straight = dir.File("straight"), resumed = dir.File("resumed"), checkpoint = Path.Combine(resumed, "checkpoint");
        AssertOk(RealmProcess.Run(Train(straight)));
        var killed = RealmProcess.RunUntil(() => FineTuneCliTests.TrainingStep(checkpoint) >= 2, Train(resumed));
        Assert.NotEqual(0, killed.ExitCode);
        Assert.InRange(FineTuneCliTests.TrainingStep(checkpoint), 2, 99);

        RealmProcess.AssertUserError(RealmProcess.Run(Train(resumed, lr: "2e-3")),
            $"error: {checkpoint}: checkpoint was made with other settings: learning_rate 0.001 → 0.002; use the same settings to resume, "
            + $"or another output directory (or delete {checkpoint}) to start afresh");
        RealmProcess.AssertUserError(RealmProcess.Run(Train(resumed, steps: "200", seed: "2")), "seed 1 → 2, steps 100 → 200");
        RealmProcess.AssertUserError(RealmProcess.Run(["train-lm", "--data", corpus, "--out", resumed, "--steps", "100"]),
            "model.hidden_size 32 → 256", "batch_size 2 → 16");

        // The same command (checkpoint and evaluation cadence are not settings) resumes to the uninterrupted run's model.
        var again = RealmProcess.Run(Train(resumed, checkpointEvery: "7", evalEvery: "10"));
        AssertOk(again);
        Assert.Contains("resuming", again.Stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
    }

    [Fact]
    public void SftRefusesAChangedOptionNamingItAndResumesTheSameCommand()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), data = FineTuneCliTests.WriteDataset(dir.File("sums.jsonl")), output = dir.File("sft");
        string checkpoint = Path.Combine(output, "checkpoint");
        string[] Sft(params string[] more) => ["sft", "--model", model, "--data", data, "--out", output, "--lora-rank", "2", "--steps", "2",
            "--batch", "2", "--eval-problems", "0", .. more];
        AssertOk(RealmProcess.Run(Sft()));
        var adapter = File.ReadAllBytes(Path.Combine(output, "adapter_model.safetensors"));

        RealmProcess.AssertUserError(RealmProcess.Run(Sft("--lr", "1e-3")), $"{checkpoint}: checkpoint was made with other settings",
            "optimizer.learning_rate 0.0002 → 0.001", "start afresh");
        RealmProcess.AssertUserError(RealmProcess.Run(Sft("--lora-alpha", "4")), "lora.alpha 16 → 4");
        // Options that shape the data are caught by the hash of the training examples.
        RealmProcess.AssertUserError(RealmProcess.Run(Sft("--route-share", "0.5")), "data sha256:");

        var again = RealmProcess.Run(Sft("--checkpoint-every", "1"));
        AssertOk(again);
        Assert.Contains("resuming", again.Stdout);
        Assert.Equal(adapter, File.ReadAllBytes(Path.Combine(output, "adapter_model.safetensors")));
    }
}
