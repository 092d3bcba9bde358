// Reward plug-in "length": the completion's length in hundreds of characters, for a (negative) weight that
// discourages rambling. Off unless the config weights it — the example of docs/method.md, "Adding a reward".
using Realm.Training;

namespace Realm.Method.Rewards;

public sealed class LengthPenalty : IRewardFunction<ProblemPrompt>
{
    public string Name => "length";
    public double Score(ProblemPrompt prompt, string completion) => completion.Length / 100.0;
}
