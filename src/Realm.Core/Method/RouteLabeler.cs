// Labels routes someone else wrote (a teacher model): the teacher's half of the one rollout path — its
// "generate" is the remote endpoint, the parse → score is the student's (ScoredAnswer).
using Realm.Data;
using Realm.Domains;

namespace Realm.Method;

/// <summary>
/// A route's answer is read as a student answer is (<see cref="ScoredAnswer"/>), it is positive exactly when
/// the domain verifies that answer, and a negative route's first wrong step is found, where possible, against
/// a reference route — the domain's expert, or a correct route the dataset holds (<see cref="FirstWrongStep"/>).
/// </summary>
public static class RouteLabeler
{
    public static Route Label(Problem problem, IDomain domain, string text, string source)
    {
        string route = text.Trim();
        var scored = ScoredAnswer.Of(domain, problem, route);
        return new Route
        {
            Text = route, Answer = scored.Output.Answer ?? "", Correct = scored.Correct, Source = source,
            FirstErrorStep = scored.Correct ? null : FirstErrorStep(problem, domain, route),
        };
    }

    /// <summary>The first wrong step against the domain's reference route; null when it has none or the step is unknown.</summary>
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
        return FirstWrongStep.Find(reference.Text, text);
    }
}
