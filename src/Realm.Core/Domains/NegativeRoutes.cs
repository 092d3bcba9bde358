using System.Text.Json;
using System.Text.Json.Nodes;
using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// What every negative route of a built-in domain promises: its answer does not verify, and its
/// recorded first error step is exactly where it first departs from the expert's route (or, when it
/// leaves a step out or stops early, the position of the first missing step).
/// </summary>
internal static class NegativeRoutes
{
    /// <summary>How many mistakes a domain tries before it reports that a kind cannot be made to stick.</summary>
    public const int Tries = 8;

    /// <summary>1-based index of the first step where the two differ; Count+1 of the shorter one if it is a prefix.</summary>
    public static int FirstDifference(IReadOnlyList<string> expert, IReadOnlyList<string> route)
    {
        int common = Math.Min(expert.Count, route.Count);
        for (int i = 0; i < common; i++)
            if (expert[i] != route[i]) return i + 1;
        return common + 1;
    }

    /// <summary>The negative route, or null when it breaks the promise (right answer by accident, or an error elsewhere).</summary>
    public static Route? Accept(IReadOnlyList<string> expertSteps, string expertAnswer, IReadOnlyList<string> steps,
        string answer, int firstErrorStep, ErrorKind kind)
    {
        if (IntegerAnswer.Same(answer, expertAnswer)) return null;
        if (FirstDifference(expertSteps, steps) != firstErrorStep) return null;
        return new Route
        {
            Text = RouteText.Format(steps, answer),
            Answer = answer,
            Correct = false,
            FirstErrorStep = firstErrorStep,
            Source = "expert",
            // Not part of the schema, but kept by every reader: lets analyses count mistakes by kind.
            Extra = new JsonObject { ["error_kind"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()) },
        };
    }

    /// <summary>Fisher–Yates with the domain's generator, so the order of attempts is reproducible.</summary>
    public static void Shuffle<T>(List<T> items, ref SplitMix64 rng)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
