using System.Text.RegularExpressions;
using Realm.Data;

namespace Realm.Method;

/// <summary>Finds which rule a student got wrong, by comparing its steps with the expert's.</summary>
public static partial class MistakeDiagnosis
{
    /// <summary>
    /// The rule number named by the expert's step at the first place the student's steps differ from it
    /// (a missing step counts), or null if the steps agree or the expert step names no rule.
    /// </summary>
    public static int? FirstWrongRule(Route expert, string? studentThinking)
    {
        var want = RouteText.Steps(expert.Text);
        var got = studentThinking == null ? [] : RouteText.Steps(studentThinking);
        for (int i = 0; i < want.Count; i++)
        {
            if (i < got.Count && got[i].Trim() == want[i].Trim()) continue;
            var m = RuleName().Match(want[i]);
            return m.Success ? int.Parse(m.Groups[1].Value) : null;
        }
        return null;
    }

    [GeneratedRegex(@"\bR(\d+)\b")]
    private static partial Regex RuleName();
}
