using System.Text;
using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Method;

/// <summary>A route as shown in a prompt: its label (1-based), the text shown, and the verdict that would be right.</summary>
public sealed record ShownRoute(Route Route, int Label, string VisibleText, int VisibleSteps)
{
    /// <summary>
    /// The error the student can see: the first error step if it lies within the shown steps, else null
    /// (a negative route cut before its known first error reads as correct so far). A negative route
    /// whose first error step is unknown is 0 ("wrong", step unknown) however much of it is shown: it is
    /// never scored as correct (and <see cref="MrpvPrompts.Render"/> never cuts it).
    /// </summary>
    public int? VisibleError => Route.Correct ? null
        : Route.FirstErrorStep is int k ? (k <= VisibleSteps || IsComplete ? k : null)
        : 0;

    /// <summary>Whether the whole route, answer included, is shown.</summary>
    public bool IsComplete => VisibleSteps >= RouteText.Steps(Route.Text).Count && VisibleText.Contains(RouteText.AnswerPrefix);
}

/// <summary>An MRPV prompt: its text (without BOS) and the routes it shows, in order.</summary>
public sealed record MrpvPrompt(string Text, IReadOnlyList<ShownRoute> Routes);

/// <summary>How routes are drawn from a problem's pool (docs/method.md, "MRPV").</summary>
public sealed record RouteOptions
{
    /// <summary>Kmax: the most routes a prompt shows (default 3).</summary>
    public int MaxRoutes { get; init; } = 3;
    /// <summary>Show at least one positive and one negative when the pool has both and K ≥ 2.</summary>
    public bool MixPolarity { get; init; } = true;
    /// <summary>Ablation "without negative routes": only positive routes are ever shown.</summary>
    public bool IncludeNegatives { get; init; } = true;
}

/// <summary>Builds MRPV prompts: chooses, shuffles and labels routes, and fades them with EAAI.</summary>
public static class MrpvPrompts
{
    /// <summary>The prompt with no routes: the question only.</summary>
    public static MrpvPrompt Plain(Problem problem) => new($"Q: {problem.Question}\nA:\n", []);

    /// <summary>
    /// A prompt for RL at EAAI strength <paramref name="alpha"/>: with probability α it shows
    /// max(1, round(α·Kmax)) routes drawn from the problem's pool (mixing polarities), shuffled; with
    /// truncation, each shows its first ⌈α·steps⌉ steps only.
    /// </summary>
    public static MrpvPrompt Sample(Problem problem, double alpha, RouteOptions options, EaaiSchedule schedule, ref SplitMix64 rng)
    {
        if (alpha <= 0 || rng.NextDouble() >= alpha) return Plain(problem);
        var routes = Choose(problem, EaaiSchedule.RouteCount(alpha, options.MaxRoutes), options, ref rng);
        return routes.Count == 0 ? Plain(problem) : Render(problem, routes, schedule.TruncateRoutes ? alpha : 1.0);
    }

    /// <summary>
    /// The seed of a problem's evaluation routes: from its id by a stable hash, so every process, every
    /// method and every resumed run shows a problem the same routes.
    /// </summary>
    internal static ulong EvaluationSeed(Problem problem, ulong seed) => seed ^ SplitMix64.StableHash(problem.Id) * 0x9E3779B97F4A7C15UL;

    /// <summary>The evaluation prompt "with routes": a fixed, seeded draw of Kmax mixed routes, shown whole.</summary>
    public static MrpvPrompt ForEvaluation(Problem problem, RouteOptions options, ulong seed)
    {
        var rng = new SplitMix64(EvaluationSeed(problem, seed));
        var routes = Choose(problem, options.MaxRoutes, options, ref rng);
        return routes.Count == 0 ? Plain(problem) : Render(problem, routes, 1.0);
    }

    /// <summary>
    /// Shows the given routes in the given order; with α &lt; 1 each is cut to ⌈α·steps⌉ steps, except a
    /// negative route whose first error is unknown: the cut could hide its error, so it is shown whole.
    /// </summary>
    public static MrpvPrompt Render(Problem problem, IReadOnlyList<Route> routes, double alpha)
    {
        var text = new StringBuilder($"Q: {problem.Question}\n");
        var shown = new List<ShownRoute>(routes.Count);
        for (int i = 0; i < routes.Count; i++)
        {
            var route = routes[i];
            int steps = RouteText.Steps(route.Text).Count;
            bool errorUnknown = !route.Correct && route.FirstErrorStep == null;
            int visible = alpha >= 1 || errorUnknown ? steps : EaaiSchedule.VisibleSteps(alpha, steps);
            string body = visible >= steps ? route.Text : RouteText.Truncate(route.Text, visible);
            text.Append($"Route {i + 1}:\n");
            if (body.Length > 0) text.Append(body).Append('\n');
            shown.Add(new ShownRoute(route, i + 1, body, visible));
        }
        text.Append("A:\n");
        return new MrpvPrompt(text.ToString(), shown);
    }

    private static List<Route> Choose(Problem problem, int count, RouteOptions options, ref SplitMix64 rng)
    {
        var positives = problem.Routes.Where(r => r.Correct).ToList();
        var negatives = options.IncludeNegatives ? problem.Routes.Where(r => !r.Correct).ToList() : [];
        var chosen = new List<Route>();
        if (options.MixPolarity && count >= 2 && positives.Count > 0 && negatives.Count > 0)
        {
            chosen.Add(Take(positives, ref rng));
            chosen.Add(Take(negatives, ref rng));
        }
        var rest = positives.Concat(negatives).ToList();
        while (chosen.Count < count && rest.Count > 0) chosen.Add(Take(rest, ref rng));
        Shuffle(chosen, ref rng);
        return chosen;
    }

    private static Route Take(List<Route> pool, ref SplitMix64 rng)
    {
        int i = rng.NextInt(pool.Count);
        var r = pool[i];
        pool.RemoveAt(i);
        return r;
    }

    private static void Shuffle<T>(List<T> list, ref SplitMix64 rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
