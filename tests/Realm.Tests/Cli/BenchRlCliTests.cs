using System.Text.Json;

namespace Realm.Tests.Cli;

/// <summary><c>realm bench rl</c> on a tiny step: every part reported, parts within the step, clear errors.</summary>
public class BenchRlCliTests
{
    [Fact]
    public void JsonReportsEveryPartOfTheStep()
    {
        var r = RealmProcess.Run("bench", "rl", "--json", "--prompts", "2", "--generations", "4", "--prompt-tokens", "8", "--new-tokens", "6", "--steps", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("demo", root.GetProperty("preset").GetString());
        double step = root.GetProperty("step_seconds").GetDouble();
        Assert.True(step > 0);
        var parts = root.GetProperty("parts").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p);
        Assert.Equal(["rollout prefill", "rollout decode", "scoring (rewards)", "reference log-probs", "policy log-probs (forward)", "backward",
            "optimizer (AdamW, clipping)", "other (packing, bookkeeping)"], parts.Keys);
        Assert.All(parts.Values, p => Assert.True(p.GetProperty("seconds").GetDouble() >= 0));
        Assert.True(parts["rollout decode"].GetProperty("seconds").GetDouble() > 0);
        Assert.True(parts["rollout decode"].GetProperty("roofline_seconds").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, parts["scoring (rewards)"].GetProperty("roofline_seconds").ValueKind);
        Assert.True(parts.Values.Sum(p => p.GetProperty("seconds").GetDouble()) <= step * 1.01 + 1e-3);
    }

    [Theory]
    [InlineData("--preset", "huge", "'huge'")]
    [InlineData("--generations", "1", "--generations")]
    [InlineData("--new-tokens", "0", "--new-tokens")]
    public void BadFlagsAreUserErrors(string flag, string value, string mentions)
    {
        var r = RealmProcess.Run("bench", "rl", flag, value);
        RealmProcess.AssertUserError(r, mentions);
    }
}
