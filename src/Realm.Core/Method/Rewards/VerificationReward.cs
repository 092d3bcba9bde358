// Reward plug-in "verification": MRPV's mean per-route credit for the verify block (docs/method.md,
// "Reward plug-ins"); 0 when no routes are shown or the block is not closed.
using Realm.Training;

namespace Realm.Method.Rewards;

public sealed class VerificationReward : IRewardFunction<ProblemPrompt>
{
    public string Name => "verification";
    public double Score(ProblemPrompt prompt, string completion) => RouteVerdicts.Score(prompt.Prompt, MrpvOutput.Parse(completion));
}
