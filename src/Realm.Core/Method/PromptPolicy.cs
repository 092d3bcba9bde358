using Realm.Data;
using Realm.Engine.Compute;
using Realm.Training;

namespace Realm.Method;

/// <summary>How an RL run turns a problem into a prompt at a point of training progress.</summary>
public interface IPromptPolicy
{
    MrpvPrompt Build(Problem problem, double progress, ref SplitMix64 rng);
    /// <summary>The strength of external routes at this progress (EAAI's α; 0 for plain prompts).</summary>
    double Strength(double progress);
    /// <summary>Adds the policy's settings (its EAAI schedule and route options) to a run's resume fingerprint.</summary>
    void AddSettings(RunSettings settings);
}

/// <summary>The question alone: plain GRPO and evaluation without routes.</summary>
public sealed class PlainPromptPolicy : IPromptPolicy
{
    public MrpvPrompt Build(Problem problem, double progress, ref SplitMix64 rng) => MrpvPrompts.Plain(problem);
    public double Strength(double progress) => 0;
    public void AddSettings(RunSettings settings) => settings.Add("prompts", "plain");
}

/// <summary>MRPV prompts whose routes fade with EAAI (docs/method.md, "MRPV" and "EAAI").</summary>
public sealed class MrpvPromptPolicy(EaaiSchedule schedule, RouteOptions routes) : IPromptPolicy
{
    public EaaiSchedule Schedule { get; } = schedule;
    public RouteOptions Routes { get; } = routes;

    public MrpvPrompt Build(Problem problem, double progress, ref SplitMix64 rng) =>
        MrpvPrompts.Sample(problem, Schedule.Alpha(progress), Routes, Schedule, ref rng);

    public double Strength(double progress) => Schedule.Alpha(progress);

    public void AddSettings(RunSettings settings) =>
        settings.Add("prompts", "mrpv").AddRecord("eaai", Schedule).AddRecord("routes", Routes);
}
