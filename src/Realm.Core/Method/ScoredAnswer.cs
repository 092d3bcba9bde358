// The parse → score half of the one rollout path (docs/method.md, "One rollout path"): every place that
// checks what a model wrote — evaluation, RFT, GRPO's rewards, the instructor, teacher route labels —
// reads the text here, so they cannot disagree on what counts as an answer.
using Realm.Data;
using Realm.Domains;

namespace Realm.Method;

/// <summary>A completion parsed (<see cref="MrpvOutput.Parse"/>, lenient) and its answer checked by the domain's verifier.</summary>
public sealed record ScoredAnswer(MrpvOutput Output, bool Correct)
{
    public static ScoredAnswer Of(IDomain domain, Problem problem, string completion)
    {
        var output = MrpvOutput.Parse(completion);
        return new ScoredAnswer(output, output.Answer != null && domain.Verify(problem, output.Answer));
    }
}
