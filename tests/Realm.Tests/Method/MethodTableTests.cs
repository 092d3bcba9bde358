using Realm.Training;
using Realm.Method.Rewards;
using Realm.Evaluation;
using Realm.Method;
using Realm.Method.Pipelines;

namespace Realm.Tests.Method;

/// <summary>The method records: names, roles, equal budgets, and the objects they become.</summary>
public class MethodTableTests
{
    public static TheoryData<string> Configs => new() { "demo", "full", "r1-rounds" };

    private static ExperimentConfig Config(string name) => name switch
    {
        "demo" => ExperimentConfig.Demo,
        "full" => ExperimentConfig.Full,
        _ => ExperimentConfig.Demo with { R1Iterations = 3, MethodSequences = 5000 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void EveryMethodGetsTheSameSequencesAndUpdates(string name)
    {
        var c = Config(name) with { Ablations = true };
        var budgets = Methods.Selected(c).Select(m => (m.Name, Budget: m.PlannedBudget(c))).ToList();
        Assert.Equal(11, budgets.Count);
        var first = budgets[0].Budget;
        Assert.All(budgets, b => Assert.Equal((b.Name, first.Sequences, first.OptimizerUpdates), (b.Name, b.Budget.Sequences, b.Budget.OptimizerUpdates)));
        // Updates of one RL step's batch each, and no more sequences than configured.
        Assert.Equal(c.MethodBatch * first.OptimizerUpdates, first.Sequences);
        Assert.True(first.Sequences <= c.MethodSequences && first.Sequences > c.MethodSequences - c.MethodBatch);
    }

    [Fact]
    public void TheDemoBudgetIs64UpdatesOf64Sequences()
    {
        var c = ExperimentConfig.Demo;
        Assert.Equal((64, 64), (c.MethodSteps, c.MethodBatch));
        Assert.Equal(64, c.Sft(c.MethodSteps, 1, fromScratch: false).BatchSize);
        Assert.Equal(64, c.Grpo(c.MethodSteps, 1).PromptsPerStep * c.Grpo(c.MethodSteps, 1).Generations);
        Assert.Equal(c.BatchSize, c.Sft(c.SftSteps, 1, fromScratch: true).BatchSize); // the shared stages keep their batch
    }

    [Fact]
    public void R1RoundsSplitTheBudgetBetweenRlAndSft()
    {
        var c = ExperimentConfig.Demo with { R1Iterations = 3 };
        var r1 = Methods.All(c).Single(m => m.Name == "ReaLM-R1");
        Assert.Equal(["grpo", "sft on own verified answers", "grpo", "sft on own verified answers", "grpo"], r1.Stages);
        Assert.Equal([15, 10, 15, 10, 14], r1.PlannedUpdates(c)); // 64 in all
    }

    [Fact]
    public void NamesAreCaseInsensitiveAndAnUnknownOneListsTheValidNames()
    {
        var c = ExperimentConfig.Demo;
        Assert.Equal(["GRPO", "ReaLM-R1"], Methods.Selected(c with { OnlyMethods = ["realm-r1", "grpo"] }).Select(m => m.Name));
        Assert.Empty(Methods.Selected(c with { OnlyMethods = ["base"] }));
        var ex = Assert.Throws<RealmException>(() => Methods.Selected(c with { OnlyMethods = ["ReaLM-R2", "SFT"] }));
        Assert.Equal("unknown method 'ReaLM-R2'; valid: Base, SFT, RFT, CoT-Synthesizer, GRPO, LLMs-as-Instructor, ReaLM-Zero, ReaLM-R1, " +
            "ReaLM-R1 w/o verification reward, ReaLM-R1 w/o EAAI (routes always on), ReaLM-R1 w/o EAAI (routes cut at once), ReaLM-R1 w/o negative routes",
            ex.Message);
        Assert.Equal(7, Methods.Selected(c).Count);
    }

    [Fact]
    public void BaseIsTheReferenceAndOnlyReaLMPipelinesAreRealm()
    {
        Assert.Equal(MethodRole.Reference, Methods.Base.Role);
        var all = Methods.All(ExperimentConfig.Demo);
        Assert.Equal(["ReaLM-Zero", "ReaLM-R1"], all.Where(m => m.Role == MethodRole.Realm).Select(m => m.Name));
        Assert.Equal(["SFT", "RFT", "CoT-Synthesizer", "GRPO", "LLMs-as-Instructor"], all.Where(m => m.Role == MethodRole.Baseline).Select(m => m.Name));
        Assert.All(all.Where(m => m.Role == MethodRole.Ablation), m => Assert.StartsWith("ReaLM-R1 w/o", m.Name));
        Assert.Equal(StartCheckpoint.Base, all.Single(m => m.Name == "ReaLM-Zero").StartsFrom);
    }

    [Fact]
    public void RewardWeightsNameRewardPlugins()
    {
        var all = Methods.All(ExperimentConfig.Demo);
        Assert.Equal(RewardPlugins.Mrpv(), all.Single(m => m.Name == "ReaLM-R1").Rewards);
        Assert.Equal(RewardPlugins.AnswerOnly, all.Single(m => m.Name == "GRPO").Rewards);
        Assert.Equal([new RewardWeight("answer", 1.0), new RewardWeight("format", 0.1)], all.Single(m => m.Name == "ReaLM-R1 w/o verification reward").Rewards);
        foreach (var method in all) Assert.Equal(method.Rewards.Count, RewardPlugins.For(method.Rewards).Count);
        Assert.Contains("unknown reward 'nosuch'", Assert.Throws<RealmException>(() => RewardPlugins.For([new("nosuch", -0.1)])).Message);
    }

    [Fact]
    public void RouteSchedulesBecomePromptPolicies()
    {
        var c = ExperimentConfig.Demo;
        var all = Methods.All(c);
        Assert.IsType<PlainPromptPolicy>(all.Single(m => m.Name == "GRPO").PromptPolicy(c.Eaai, c.MaxRoutes));
        var r1 = Assert.IsType<MrpvPromptPolicy>(all.Single(m => m.Name == "ReaLM-R1").PromptPolicy(c.Eaai, c.MaxRoutes));
        Assert.Equal(c.Eaai, r1.Schedule);
        var always = Assert.IsType<MrpvPromptPolicy>(all.Single(m => m.Name == "ReaLM-R1 w/o EAAI (routes always on)").PromptPolicy(c.Eaai, c.MaxRoutes));
        Assert.Equal(1.0, always.Strength(0.99));
        var positives = Assert.IsType<MrpvPromptPolicy>(all.Single(m => m.Name == "ReaLM-R1 w/o negative routes").PromptPolicy(c.Eaai, c.MaxRoutes));
        Assert.False(positives.Routes.IncludeNegatives);
    }

    [Theory]
    [InlineData("realm-r1", "ReaLM-R1")]
    [InlineData("REALM-ZERO", "ReaLM-Zero")]
    [InlineData("grpo", "GRPO")]
    public void RlCommandNamesTheSameRecords(string flag, string name) => Assert.Equal(name, Methods.ForRl(flag).Name);

    [Fact]
    public void RlCommandRefusesOtherNames() =>
        Assert.Equal("--method must be grpo, realm-zero, realm-r1, got 'sft'", Assert.Throws<RealmException>(() => Methods.ForRl("sft")).Message);
}
