using System.Text.RegularExpressions;
using Realm.Data;

namespace Realm.Domains;

/// <summary>
/// Labels a route someone else wrote (a teacher model): its answer is the text after the last "Answer:",
/// it is positive exactly when the domain verifies that answer, and for a negative route the first
/// wrong step is found, where possible, by lining its steps up with a reference route (the domain's
/// expert, or a correct route the dataset holds).
/// </summary>
public static partial class RouteLabeler
{
    public static Route Label(Problem problem, IDomain domain, string text, string source)
    {
        string route = text.Trim();
        string answer = RouteText.ExtractAnswer(route) ?? "";
        bool correct = answer.Length > 0 && domain.Verify(problem, answer);
        return new Route
        {
            Text = route, Answer = answer, Correct = correct, Source = source,
            FirstErrorStep = correct ? null : FirstErrorStep(problem, domain, route),
        };
    }

    /// <summary>
    /// Steps are compared by what they establish: the rule they name and the value they end with
    /// ("R4: 21*2=42" and "R4: double 21 = 42" agree), so wording does not count as an error. The first
    /// step that differs from the reference is the first error; a route that stops short of the
    /// reference errs at its first missing step, one that goes on past it at the first extra step.
    /// Unknown (null) when there is no reference, when a step names no rule, or when every step agrees
    /// and only the answer line is wrong.
    /// </summary>
    public static int? FirstErrorStep(Problem problem, IDomain domain, string text)
    {
        Route reference;
        try
        {
            reference = domain.Solve(problem);
        }
        catch (RealmException)
        {
            return null; // an external domain whose dataset holds no correct route
        }
        var expected = RouteText.Steps(reference.Text).Select(StepKey).ToList();
        var steps = RouteText.Steps(text).Select(StepKey).ToList();
        if (steps.Count == 0 || steps.Any(s => s.Rule == null) || expected.Any(s => s.Rule == null)) return null;
        int common = Math.Min(steps.Count, expected.Count);
        for (int i = 0; i < common; i++)
            if (steps[i] != expected[i]) return i + 1;
        return steps.Count != expected.Count ? common + 1 : null;
    }

    private static (string? Rule, string? Value) StepKey(string step)
    {
        var rule = RuleName().Match(step);
        var numbers = Number().Matches(rule.Success ? step.Remove(rule.Index, rule.Length) : step);
        return (rule.Success ? rule.Value : null, numbers.Count > 0 ? numbers[^1].Value.TrimStart('+') : null);
    }

    [GeneratedRegex(@"\bR\d+\b")]
    private static partial Regex RuleName();

    [GeneratedRegex(@"[-+]?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
