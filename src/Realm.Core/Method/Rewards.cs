using Realm.Data;
using Realm.Domains;

namespace Realm.Method;

/// <summary>The parts of a reward, for logging; <see cref="Total"/> is what RL optimises.</summary>
public readonly record struct RewardBreakdown(double Total, double Answer, double Verification, double Format);

/// <summary>A reward plug-in (as in TRL's GRPO): scores one completion of one prompt.</summary>
public interface IRewardFunction
{
    RewardBreakdown Score(IDomain domain, Problem problem, MrpvPrompt prompt, string completion);
}

/// <summary>
/// The MRPV reward (spec §1.2): answer·wAnswer + verification·wVerify + format·wFormat, defaults 1.0,
/// 0.5, 0.1. Verification is the mean over shown routes: a positive judged correct scores 1; a negative
/// judged wrong scores 0.5, or 1 when the model names its true first error step.
/// </summary>
public sealed record MrpvReward(double AnswerWeight = 1.0, double VerificationWeight = 0.5, double FormatWeight = 0.1) : IRewardFunction
{
    public RewardBreakdown Score(IDomain domain, Problem problem, MrpvPrompt prompt, string completion)
    {
        var output = MrpvOutput.Parse(completion);
        double answer = output.Answer != null && domain.Verify(problem, output.Answer) ? 1 : 0;
        double verification = VerificationScore(prompt, output);
        double format = output.FormatOk(prompt.Routes.Count) ? 1 : 0;
        return new RewardBreakdown(AnswerWeight * answer + VerificationWeight * verification + FormatWeight * format,
            answer, verification, format);
    }

    /// <summary>Mean per-route score over the shown routes (0 when none are shown or the verify block is not closed).</summary>
    public static double VerificationScore(MrpvPrompt prompt, MrpvOutput output)
    {
        if (prompt.Routes.Count == 0 || !output.VerifyBlockClosed) return 0;
        double sum = 0;
        foreach (var shown in prompt.Routes)
        {
            if (!output.Verdicts.TryGetValue(shown.Label, out var verdict)) continue;
            int? error = shown.VisibleError;
            if (error == null) sum += verdict.SaysCorrect ? 1 : 0;
            else if (!verdict.SaysCorrect) sum += error > 0 && verdict.WrongAtStep == error ? 1.0 : 0.5;
        }
        return sum / prompt.Routes.Count;
    }

    /// <summary>Whether the verdict's correct/wrong call is right (step ignored): verification accuracy.</summary>
    public static bool VerdictRight(ShownRoute shown, Verdict? verdict) =>
        verdict is { } v && v.SaysCorrect == (shown.VisibleError == null);
}

/// <summary>Plain GRPO's reward: the answer alone (optionally a small format term).</summary>
public sealed record AnswerReward(double AnswerWeight = 1.0, double FormatWeight = 0.0) : IRewardFunction
{
    public RewardBreakdown Score(IDomain domain, Problem problem, MrpvPrompt prompt, string completion)
    {
        var output = MrpvOutput.Parse(completion);
        double answer = output.Answer != null && domain.Verify(problem, output.Answer) ? 1 : 0;
        double format = output.FormatOk(prompt.Routes.Count) ? 1 : 0;
        return new RewardBreakdown(AnswerWeight * answer + FormatWeight * format, answer, 0, format);
    }
}
