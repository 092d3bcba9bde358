using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class MetricsLogTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string LogPath => _temp.File("metrics.jsonl");

    public void Dispose() => _temp.Dispose();

    private static MetricsRecord Step(string method, long step, double reward, double? evalAcc = null)
    {
        var values = new Dictionary<string, double> { ["reward_mean"] = reward, ["kl"] = 0.01 * step };
        if (evalAcc is double acc) values["eval_acc"] = acc;
        return new MetricsRecord { Run = "run-1", Method = method, Step = step, Values = values };
    }

    private void WriteSteps(string method, params long[] steps)
    {
        using var log = MetricsLog.Resume(LogPath, long.MaxValue);
        foreach (long step in steps) log.Append(Step(method, step, step / 10.0));
    }

    private IEnumerable<(string, long)> Steps() => MetricsLog.Read(LogPath).Select(r => (r.Method, r.Step));

    [Fact]
    public void Records_RoundTrip_WithValuesLabelsAndGaps()
    {
        var record = new MetricsRecord
        {
            Run = "run-1",
            Method = "ReaLM-R1",
            Step = 7,
            Values = new Dictionary<string, double> { ["reward_mean"] = 0.625, ["loss"] = double.NaN, ["eaai_alpha"] = 0.25 },
            Labels = new Dictionary<string, string> { ["phase"] = "rl" },
        };
        using (var log = MetricsLog.Create(LogPath)) log.Append(record);

        string line = File.ReadAllText(LogPath);
        Assert.Equal("""{"run":"run-1","method":"ReaLM-R1","step":7,"phase":"rl","reward_mean":0.625,"loss":null,"eaai_alpha":0.25}""" + "\n", line);
        var read = Assert.Single(MetricsLog.Read(LogPath));
        Assert.Equal(("run-1", "ReaLM-R1", 7L), (read.Run, read.Method, read.Step));
        Assert.Equal(0.625, read.Value("reward_mean"));
        Assert.True(double.IsNaN(read.Value("loss")!.Value));
        Assert.Null(read.Value("eval_acc"));
        Assert.Equal("rl", read.Labels["phase"]);
    }

    [Fact]
    public void EachLine_IsOnDisk_AsSoonAsItIsAppended()
    {
        using var log = MetricsLog.Create(LogPath);
        log.Append(Step("GRPO", 1, 0.1));
        Assert.Equal([("GRPO", 1L)], Steps());
        log.Append(Step("GRPO", 2, 0.2));
        Assert.Equal([("GRPO", 1L), ("GRPO", 2L)], Steps());
    }

    [Fact]
    public void Create_ReplacesAnOldLog()
    {
        WriteSteps("GRPO", 1, 2, 3);
        using (var log = MetricsLog.Create(LogPath)) log.Append(Step("SFT", 1, 0.5));
        Assert.Equal([("SFT", 1L)], Steps());
    }

    [Fact]
    public void Resume_DropsStepsAfterTheCheckpoint_SoNoStepIsLoggedTwice()
    {
        WriteSteps("GRPO", 1, 2, 3, 4, 5);
        // The run is killed after step 5 and resumes from its checkpoint at step 3: steps 4 and 5 run again.
        using (var log = MetricsLog.Resume(LogPath, resumeStep: 3))
            foreach (long step in new long[] { 4, 5, 6 }) log.Append(Step("GRPO", step, 0));

        Assert.Equal([("GRPO", 1L), ("GRPO", 2L), ("GRPO", 3L), ("GRPO", 4L), ("GRPO", 5L), ("GRPO", 6L)], Steps());
    }

    [Fact]
    public void Resume_ForOneMethod_KeepsTheOtherMethodsLines()
    {
        WriteSteps("SFT", 1, 2, 3, 4);
        WriteSteps("GRPO", 1, 2, 3);
        using (var log = MetricsLog.Resume(LogPath, resumeStep: 1, method: "GRPO")) log.Append(Step("GRPO", 2, 0));

        Assert.Equal([("SFT", 1L), ("SFT", 2L), ("SFT", 3L), ("SFT", 4L), ("GRPO", 1L), ("GRPO", 2L)], Steps());
    }

    [Fact]
    public void Resume_WithoutAFile_StartsOne()
    {
        using (var log = MetricsLog.Resume(LogPath, resumeStep: 10)) log.Append(Step("GRPO", 11, 0));
        Assert.Equal([("GRPO", 11L)], Steps());
    }

    [Fact]
    public void ATornLastLine_IsSkippedOnRead_AndDroppedOnResume()
    {
        WriteSteps("GRPO", 1, 2);
        File.AppendAllText(LogPath, """{"run":"run-1","method":"GR""");
        Assert.Equal([("GRPO", 1L), ("GRPO", 2L)], Steps());

        using (var log = MetricsLog.Resume(LogPath, resumeStep: 2)) log.Append(Step("GRPO", 3, 0));
        Assert.Equal([("GRPO", 1L), ("GRPO", 2L), ("GRPO", 3L)], Steps());
        Assert.Equal(3, File.ReadAllLines(LogPath).Length);
    }

    [Fact]
    public void ABadLineInTheMiddle_IsAnErrorNamingTheLine()
    {
        File.WriteAllText(LogPath, """
            {"run":"r","method":"GRPO","step":1,"kl":0}
            {"run":"r","method":"GRPO","kl":0}
            {"run":"r","method":"GRPO","step":3,"kl":0}

            """);
        var e = Assert.Throws<RealmException>(() => MetricsLog.Read(LogPath));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("step", e.Message);
        Assert.Throws<RealmException>(() => MetricsLog.Resume(LogPath, 1));
    }

    [Fact]
    public void ReservedOrClashingNames_AreRefused()
    {
        using var log = MetricsLog.Create(LogPath);
        Assert.Throws<ArgumentException>(() => log.Append(new MetricsRecord
            { Run = "r", Method = "m", Step = 1, Values = new Dictionary<string, double> { ["step"] = 1 } }));
        Assert.Throws<ArgumentException>(() => log.Append(new MetricsRecord
        {
            Run = "r", Method = "m", Step = 1,
            Values = new Dictionary<string, double> { ["phase"] = 1 },
            Labels = new Dictionary<string, string> { ["phase"] = "rl" },
        }));
    }

    [Fact]
    public void Series_HasOneLinePerMethod_OnlyWhereTheMetricWasMeasured()
    {
        using (var log = MetricsLog.Create(LogPath))
        {
            log.Append(Step("ReaLM-R1", 1, 0.1));
            log.Append(Step("GRPO", 1, 0.2));
            log.Append(Step("ReaLM-R1", 2, 0.3, evalAcc: 0.4));
            log.Append(Step("GRPO", 2, 0.5, evalAcc: 0.6));
            log.Append(Step("ReaLM-R1", 3, 0.7));
            log.Append(Step("ReaLM-R1", 4, 0.8, evalAcc: 0.9));
        }
        var records = MetricsLog.Read(LogPath);

        var evalAcc = MetricsLog.Series(records, "eval_acc");
        Assert.Equal(["ReaLM-R1", "GRPO"], evalAcc.Select(s => s.Name));
        Assert.Equal([(2.0, 0.4), (4.0, 0.9)], evalAcc[0].Points);
        Assert.Equal([(2.0, 0.6)], evalAcc[1].Points);

        var reward = MetricsLog.Series(records, "reward_mean", r => $"{r.Run}/{r.Method}");
        Assert.Equal(["run-1/ReaLM-R1", "run-1/GRPO"], reward.Select(s => s.Name));
        Assert.Equal([1.0, 2, 3, 4], reward[0].Points.Select(p => p.X));
    }
}
