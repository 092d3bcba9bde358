// Reward plug-ins are found by name, so a new reward is one new file plus its weight in the config
// (docs/method.md, "Adding a reward"); LengthPenalty is the example that ships.
using Realm.Data;
using Realm.Method;
using Realm.Method.Rewards;
using Realm.Training;

namespace Realm.Tests.Method;

public class RewardPluginTests
{
    [Fact]
    public void TheConfigsWeightsPickThePlugInsInTheirOrder()
    {
        var weights = RewardPlugins.Mrpv().Append(new RewardWeight("length", -0.01)).ToList(); // the one config line
        var functions = RewardPlugins.For(weights);
        Assert.Equal(["answer", "verification", "format", "length"], functions.Select(f => f.Name));
        var p = new Problem { Id = "x", Domain = "fake", Question = "2+3", Answer = "5" };
        var task = new ProblemPrompt(new FakeDomain(), p, MrpvPrompts.Plain(p));
        Assert.Equal(0.19, functions[3].Score(task, new string('x', 19)), 12);
        Assert.Equal(1.0, functions[0].Score(task, "<think>\nx\n</think>\nAnswer: 5"));
    }

    [Fact]
    public void AnUnknownRewardNameIsAnErrorListingTheKnownOnes()
    {
        var e = Assert.Throws<RealmException>(() => RewardPlugins.For([new RewardWeight("lenght", 1)]));
        Assert.Contains("unknown reward 'lenght'", e.Message);
        Assert.Contains("length", e.Message);
    }
}
