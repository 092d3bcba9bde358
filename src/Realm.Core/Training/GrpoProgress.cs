// The per-step statistics of a GRPO run, named as TRL's GRPOTrainer logs them where it has a name.
namespace Realm.Training;

/// <summary>One reward function's weight and the mean and standard deviation of its (unweighted) scores over a step's completions.</summary>
public readonly record struct RewardStats(string Name, double Weight, double Mean, double Std);

/// <summary>
/// Per-step statistics of a GRPO run: the total reward's mean and std, each reward function's under its
/// name, the share of trained groups whose rewards are all equal (<c>frac_zero_std</c>: no gradient,
/// skipped) and of all groups sampled before dynamic sampling replaced some (<c>frac_zero_std_raw</c>),
/// the rollouts sampled and their tokens (refills included),
/// clip fraction, k3 KL (when β &gt; 0), entropy and completion length, learning rate, gradient norm, and the
/// prompt source's own numbers (<see cref="IRolloutSource{TPrompt}.Metrics"/>).
/// </summary>
public sealed record GrpoProgress(long Step, int TotalSteps, double RewardMean, double RewardStd, IReadOnlyList<RewardStats> Rewards,
    double FracZeroStd, double FracZeroStdRaw, int Rollouts, long GeneratedTokens, double? Kl, double ClipFraction, double Entropy, double MeanCompletionTokens, double TokensPerSecond,
    float LearningRate, double GradNorm, double? EvalAccuracy, IReadOnlyDictionary<string, double> SourceMetrics)
{
    /// <summary>The mean score of the reward function named <paramref name="name"/>, or null when the run has none.</summary>
    public double? RewardMeanOf(string name) => Rewards.FirstOrDefault(r => r.Name == name) is { Name: not null } r ? r.Mean : null;
}
