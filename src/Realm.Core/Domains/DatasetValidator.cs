using Realm.Data;

namespace Realm.Domains;

/// <summary>
/// Checks a dataset beyond its schema (which <see cref="ProblemJsonl"/> checks while reading): ids are
/// unique; a correct route has no first error step and a wrong one's lies in 1..steps+1; each route is
/// marked correct exactly when its answer verifies (docs/method.md, "Text format": that is what a positive route is) and
/// states the same answer as its text's "Answer:" line. Answers verify by the domain's checker: a
/// built-in domain's, or <see cref="ExactAnswerDomain"/>'s for a user's own. For a built-in domain it
/// also re-solves every question: the problem's answer must be the expert's, the difficulty must be in
/// the domain's range and the rulebook the domain's.
/// </summary>
public static class DatasetValidator
{
    /// <summary>Every problem found, as "file:line: message", in file order.</summary>
    public static List<string> Check(ProblemJsonlFile file)
    {
        var issues = new List<string>();
        if (file.Problems.Count == 0 && file.BadLines.Count == 0) issues.Add($"{file.Path}: no problems");
        issues.AddRange(CheckProblems(file).Select(issue => $"{file.Path}:{issue.Line}: {issue.Message}"));
        return issues;
    }

    /// <summary>What is wrong with each problem, by its line, in file order.</summary>
    public static List<(int Line, string Message)> CheckProblems(ProblemJsonlFile file)
    {
        var issues = new List<(int, string)>();
        var idLines = new Dictionary<string, int>();
        for (int i = 0; i < file.Problems.Count; i++)
        {
            var problem = file.Problems[i];
            int line = file.Lines[i];
            void Report(string message) => issues.Add((line, message));

            if (!idLines.TryAdd(problem.Id, line)) Report($"id \"{problem.Id}\" is already used on line {idLines[problem.Id]}");
            for (int r = 0; r < problem.Routes.Count; r++)
            {
                var route = problem.Routes[r];
                int steps = RouteText.Steps(route.Text).Count;
                if (route.Correct && route.FirstErrorStep is { } step)
                    Report($"routes[{r}]: a correct route has first_error_step {step}; it must be null");
                if (!route.Correct && route.FirstErrorStep is { } wrong && (wrong < 1 || wrong > steps + 1))
                    Report($"routes[{r}]: first_error_step {wrong} is outside 1..{steps + 1} (the route has {steps} steps)");
            }
            var messages = BuiltInDomains.TryGet(problem.Domain) is { } domain
                ? CheckWithExpert(domain, problem)
                : CheckRoutes(new ExactAnswerDomain(problem.Domain), problem);
            foreach (var message in messages) Report(message);
        }
        return issues;
    }

    private static IEnumerable<string> CheckWithExpert(IDomain domain, Problem problem)
    {
        if (problem.Difficulty < 1 || problem.Difficulty > domain.MaxDifficulty)
            yield return $"difficulty {problem.Difficulty} is outside {domain.Name}'s 1..{domain.MaxDifficulty}";
        if (problem.Rulebook != null && problem.Rulebook != domain.Rulebook.Id)
            yield return $"rulebook \"{problem.Rulebook}\" is not {domain.Name}'s \"{domain.Rulebook.Id}\"";
        if (Solve(domain, problem, out string? unreadable) is not { } expert)
        {
            yield return unreadable!;
            yield break;
        }
        if (!domain.Verify(problem, expert.Answer))
        {
            // Every route would be judged against a wrong answer; the one message says it all.
            yield return $"answer \"{problem.Answer}\" is wrong: the {domain.Name} expert gets {expert.Answer}";
            yield break;
        }
        foreach (var message in CheckRoutes(domain, problem)) yield return message;
    }

    private static IEnumerable<string> CheckRoutes(IDomain domain, Problem problem)
    {
        for (int r = 0; r < problem.Routes.Count; r++)
        {
            var route = problem.Routes[r];
            bool right = domain.Verify(problem, route.Answer);
            if (route.Correct && !right)
                yield return $"routes[{r}]: marked correct but its answer \"{route.Answer}\" is wrong (the problem's answer is \"{problem.Answer}\")";
            if (!route.Correct && right) yield return $"routes[{r}]: marked wrong but its answer \"{route.Answer}\" is right";
            if (RouteText.ExtractAnswer(route.Text) is { } stated && stated != route.Answer.Trim())
                yield return $"routes[{r}]: answer \"{route.Answer}\" differs from its text's \"Answer: {stated}\"";
        }
    }

    // An iterator cannot yield from a catch block.
    private static Route? Solve(IDomain domain, Problem problem, out string? error)
    {
        error = null;
        try
        {
            return domain.Solve(problem);
        }
        catch (RealmException e)
        {
            error = e.Message;
            return null;
        }
    }
}
