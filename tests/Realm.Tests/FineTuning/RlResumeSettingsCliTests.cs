using Realm.Tests.Chat;
using Realm.Tests.Cli;

namespace Realm.Tests.FineTuning;

/// <summary>
/// Issue 10's acceptance check for <c>realm rl</c>: a changed <c>--beta</c> (or reward weight, or EAAI
/// schedule) on an existing run directory is refused naming it; the same command resumes (GrpoTrainer runs
/// on <see cref="Realm.Training.TrainingLoop"/>).
/// </summary>
public class RlResumeSettingsCliTests
{
    [Fact]
    public void RlRefusesAChangedBetaOrRewardWeightAndResumesTheSameCommand()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateQwen2(dir), data = FineTuneCliTests.WriteDataset(dir.File("sums.jsonl")), output = dir.File("rl");
        string[] Rl(params string[] more) => ["rl", "--model", model, "--data", data, "--out", output, "--method", "realm-r1", "--lora-rank", "2",
            "--steps", "2", "--prompts", "1", "--generations", "2", "--max-new-tokens", "4", "--eval-problems", "0", .. more];
        var first = RealmProcess.Run(Rl());
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var adapter = File.ReadAllBytes(Path.Combine(output, "adapter_model.safetensors"));

        RealmProcess.AssertUserError(RealmProcess.Run(Rl("--beta", "0.04")), "checkpoint was made with other settings", "beta 0 → 0.04", "start afresh");
        RealmProcess.AssertUserError(RealmProcess.Run(Rl("--verification-weight", "0.25")), "verification_weight");
        RealmProcess.AssertUserError(RealmProcess.Run(Rl("--eaai-schedule", "cosine")), "cosine");

        var again = RealmProcess.Run(Rl("--checkpoint-every", "1"));
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("resuming", again.Stdout);
        Assert.Equal(adapter, File.ReadAllBytes(Path.Combine(output, "adapter_model.safetensors")));
    }
}
