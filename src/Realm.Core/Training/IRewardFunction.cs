// A reward plug-in, as in TRL's GRPOTrainer: scores one completion of one prompt. The trainer sums the
// rewards weighted by GrpoConfig.Rewards and logs each under its name (docs/method.md, "Reward plug-ins").
namespace Realm.Training;

/// <summary>Scores a completion; <see cref="Name"/> is how the config weights it and the metrics log it.</summary>
public interface IRewardFunction<in TPrompt>
{
    string Name { get; }
    double Score(TPrompt prompt, string completion);
}

/// <summary>The weight of the reward function named <paramref name="Name"/> in the total GRPO optimises.</summary>
public sealed record RewardWeight(string Name, double Weight);
