using Realm.Engine.Tokenizers;
using Realm.Data;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Method.Rewards;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// ReaLM's RL stage: GRPO on MRPV prompts (the question plus K mixed routes that fade with EAAI) rewarded
/// for the answer, the verification of each route and the format. ReaLM-Zero starts from the base model;
/// ReaLM-R1 from the distillation checkpoint, and with several rounds the RL model's own verified
/// reasoning joins a new SFT round before the next RL round. The ablations (docs/method.md, "Pipelines") are variants.
/// </summary>
public sealed class RealmMethod : ITrainingMethod
{
    public string Name { get; }
    public string StartsFrom { get; }
    private readonly Func<ExperimentConfig, EaaiSchedule> _schedule;
    private readonly bool _verificationReward, _negatives;
    private readonly int _rounds;

    private RealmMethod(string name, string startsFrom, Func<ExperimentConfig, EaaiSchedule> schedule, bool verificationReward = true,
        bool negatives = true, int rounds = 1)
    {
        Name = name;
        StartsFrom = startsFrom;
        _schedule = schedule;
        _verificationReward = verificationReward;
        _negatives = negatives;
        _rounds = rounds;
    }

    public static RealmMethod Zero => new("ReaLM-Zero", "Base", c => c.Eaai);
    public static RealmMethod R1(int rounds = 1) => new("ReaLM-R1", "SFT", c => c.Eaai, rounds: rounds);
    public static RealmMethod WithoutVerificationReward => new("ReaLM-R1 w/o verification reward", "SFT", c => c.Eaai, verificationReward: false);
    public static RealmMethod RoutesAlwaysOn => new("ReaLM-R1 w/o EAAI (routes always on)", "SFT", _ => EaaiSchedule.AlwaysOn);
    public static RealmMethod RoutesCutAtOnce => new("ReaLM-R1 w/o EAAI (routes cut at once)", "SFT", c => EaaiSchedule.CutAtOnce(c.Eaai.End));
    public static RealmMethod WithoutNegativeRoutes => new("ReaLM-R1 w/o negative routes", "SFT", c => c.Eaai, negatives: false);

    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        var policy = new MrpvPromptPolicy(_schedule(c), new RouteOptions { MaxRoutes = c.MaxRoutes, IncludeNegatives = _negatives });
        var grpo = c.Grpo(c.Seed + 61) with { Rewards = RewardPlugins.Mrpv(verification: _verificationReward ? 0.5 : 0.0) };
        grpo = grpo with { Steps = Math.Max(1, grpo.Steps / _rounds) };
        for (int round = 0; round < _rounds; round++)
        {
            string label = _rounds == 1 ? Name : $"{Name} round {round + 1}";
            if (round > 0)
                TrainingRuns.Sft(ctx, label, model, OwnVerifiedReasoning(ctx, model),
                    c.Sft(Math.Max(1, c.MethodSftSteps / (2 * _rounds)), c.Seed + 70 + (ulong)round, fromScratch: false), Path.Combine(workDirectory, $"sft-{round}"));
            TrainingRuns.Grpo(ctx, label, model, policy, grpo with { Seed = grpo.Seed + (ulong)round }, Path.Combine(workDirectory, $"rl-{round}"));
        }
    }

    /// <summary>The model's greedy answers to training questions (no routes) that verify, as SFT data.</summary>
    private static List<PromptCompletion> OwnVerifiedReasoning(ExperimentContext ctx, LlamaModel model)
    {
        var c = ctx.Config;
        var prompts = ctx.Train.Select(p => new ProblemPrompt(ctx.Domain, p, MrpvPrompts.Plain(p))).ToList();
        using var rollouts = new StudentRollouts(model, ctx.Format);
        rollouts.Reserve(prompts, c.MaxNewTokens, 64);
        var keep = rollouts.Run(prompts, 1, new SamplingOptions { Greedy = true, MaxNewTokens = c.MaxNewTokens }, 64)
            .Where(a => a.Output.FormatOk(0) && a.Correct)
            .Select(a => ctx.Format.Tokenize(a.Prompt.Prompt, a.Text)).ToList();
        ctx.Observer.Log($"ReaLM-R1 iteration: {keep.Count} of {ctx.Train.Count} own answers verified and kept");
        return keep.Count > 0 ? keep : TrainingExamples.Distillation(ctx.Format, ctx.Train).ToList();
    }
}
