// Which rule a student got wrong: the rule of the expert's step at the student's first wrong step
// (docs/method.md, "First wrong step"), for the instructor baseline.
using Realm.Data;

namespace Realm.Method;

public static class MistakeDiagnosis
{
    /// <summary>
    /// The rule number named by the expert's step at the student's first wrong step (a missing step counts),
    /// or null if the steps agree, the wrong step is one the expert does not have, or it is unknown.
    /// </summary>
    public static int? FirstWrongRule(Route expert, string? studentThinking)
    {
        if (FirstWrongStep.Find(expert.Text, studentThinking ?? "") is not int step) return null;
        var want = RouteText.Steps(expert.Text);
        return step <= want.Count ? FirstWrongStep.RuleOf(want[step - 1]) : null;
    }
}
