// The one definition of "first wrong step" (docs/method.md, "First wrong step"): route labelling (a
// teacher's negative routes), mistake diagnosis (the instructor) and, through the labels, the
// verification reward all use it.
using System.Text.RegularExpressions;

namespace Realm.Data;

public static partial class FirstWrongStep
{
    /// <summary>
    /// The first step (1-based) of <paramref name="text"/> that departs from the reference route. Steps are
    /// compared by what they establish — the rule they name and the value they end with ("R4: 21*2=42" and
    /// "R4: double 21 = 42" agree) — so wording is not an error. A route that stops short of the reference
    /// errs at its first missing step, one that goes on past it at its first extra step. Unknown (null) when
    /// a step of either names no rule, or when every step agrees (only the
    /// answer line can be wrong then). A route without steps stops short at step 1.
    /// </summary>
    public static int? Find(string reference, string text)
    {
        var expected = RouteText.Steps(reference).Select(StepKey).ToList();
        var steps = RouteText.Steps(text).Select(StepKey).ToList();
        if (steps.Any(s => s.Rule == null) || expected.Any(s => s.Rule == null)) return null;
        int common = Math.Min(steps.Count, expected.Count);
        for (int i = 0; i < common; i++)
            if (steps[i] != expected[i]) return i + 1;
        return steps.Count != expected.Count ? common + 1 : null;
    }

    /// <summary>The rule number (R<i>n</i>) a step names, or null.</summary>
    public static int? RuleOf(string step) => RuleName().Match(step) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    private static (string? Rule, string? Value) StepKey(string step)
    {
        var rule = RuleName().Match(step);
        var numbers = Number().Matches(rule.Success ? step.Remove(rule.Index, rule.Length) : step);
        return (rule.Success ? rule.Value : null, numbers.Count > 0 ? numbers[^1].Value.TrimStart('+') : null);
    }

    [GeneratedRegex(@"\bR(\d+)\b")]
    private static partial Regex RuleName();

    [GeneratedRegex(@"[-+]?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
