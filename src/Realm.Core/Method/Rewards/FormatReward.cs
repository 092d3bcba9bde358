// Reward plug-in "format": 1 for the expected shape — a verify block judging exactly the shown routes
// (none without routes), a non-empty think block, an answer after it (docs/method.md, "Reward plug-ins").
using Realm.Training;

namespace Realm.Method.Rewards;

public sealed class FormatReward : IRewardFunction<ProblemPrompt>
{
    public string Name => "format";
    public double Score(ProblemPrompt prompt, string completion) => MrpvOutput.Parse(completion).FormatOk(prompt.Prompt.Routes.Count) ? 1 : 0;
}
