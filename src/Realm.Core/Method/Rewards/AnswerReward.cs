// Reward plug-in "answer": 1 when the completion's answer verifies, else 0 (docs/method.md, "Reward plug-ins").
using Realm.Training;

namespace Realm.Method.Rewards;

public sealed class AnswerReward : IRewardFunction<ProblemPrompt>
{
    public string Name => "answer";
    public double Score(ProblemPrompt prompt, string completion) =>
        ScoredAnswer.Of(prompt.Domain, prompt.Problem, completion).Correct ? 1 : 0;
}
