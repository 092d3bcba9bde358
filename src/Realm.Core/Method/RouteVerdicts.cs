// How a verify block's verdicts are judged against the routes a prompt showed (docs/method.md, "Reward
// plug-ins"): shared by the verification reward and by evaluation's verification accuracy.
namespace Realm.Method;

public static class RouteVerdicts
{
    /// <summary>
    /// One route's verification credit: a positive judged correct scores 1; a negative judged wrong 0.5, or
    /// 1 when the verdict names its true first error step; anything else (no verdict included) 0.
    /// </summary>
    public static double Credit(ShownRoute shown, Verdict? verdict)
    {
        if (verdict is not { } v) return 0;
        int? error = shown.VisibleError;
        if (error == null) return v.SaysCorrect ? 1 : 0;
        return v.SaysCorrect ? 0 : error > 0 && v.WrongAtStep == error ? 1.0 : 0.5;
    }

    /// <summary>Mean credit over the shown routes (0 when none are shown or the verify block is not closed).</summary>
    public static double Score(MrpvPrompt prompt, MrpvOutput output)
    {
        if (prompt.Routes.Count == 0 || !output.VerifyBlockClosed) return 0;
        double sum = 0;
        foreach (var shown in prompt.Routes) sum += Credit(shown, VerdictOn(shown, output));
        return sum / prompt.Routes.Count;
    }

    /// <summary>Whether the verdict's correct/wrong call is right (step ignored): verification accuracy.</summary>
    public static bool IsRight(ShownRoute shown, Verdict? verdict) =>
        verdict is { } v && v.SaysCorrect == (shown.VisibleError == null);

    public static Verdict? VerdictOn(ShownRoute shown, MrpvOutput output) =>
        output.Verdicts.TryGetValue(shown.Label, out var v) ? v : null;

    /// <summary>
    /// Evaluation's counts for one answer: routes shown and judged right (correct/wrong call), and wrong
    /// routes with a visible, known first error and how many of them the verdict names at exactly that step.
    /// </summary>
    public static (int Shown, int JudgedRight, int WrongShown, int FirstErrorsNamed) Tally(MrpvPrompt prompt, MrpvOutput output)
    {
        int shown = 0, right = 0, wrong = 0, named = 0;
        foreach (var route in prompt.Routes)
        {
            shown++;
            var verdict = VerdictOn(route, output);
            if (IsRight(route, verdict)) right++;
            if (route.VisibleError is not (> 0 and int error)) continue;
            wrong++;
            if (verdict is { SaysCorrect: false } v && v.WrongAtStep == error) named++;
        }
        return (shown, right, wrong, named);
    }
}
