using Realm.Data;
using Realm.Training;

namespace Realm.Method.FineTuning;

/// <summary>
/// Checks, before training on a user's dataset, that what the model will read fits its positions
/// (max_position_embeddings), counted in the model's own tokens, and names the first problem that does not.
/// </summary>
public static class ContextFit
{
    /// <summary>
    /// Tokens of the longest prompt RL can build from a problem: its <paramref name="maxRoutes"/> routes with
    /// the most tokens shown whole (MRPV), or the question alone when no routes are shown.
    /// </summary>
    public static int LongestRlPrompt(PromptFormat format, Problem problem, int maxRoutes)
    {
        var longest = problem.Routes.OrderByDescending(r => format.Tokenizer.Encode(r.Text).Length).Take(maxRoutes).ToList();
        return format.EncodePrompt(longest.Count == 0 ? MrpvPrompts.Plain(problem) : MrpvPrompts.Render(problem, longest, 1.0)).Length;
    }

    /// <summary>Refuses a dataset one of whose RL prompts, plus the longest answer, exceeds <paramref name="positions"/>.</summary>
    public static void CheckRlPrompts(FineTuneDataset data, PromptFormat format, int maxRoutes, int maxNewTokens, int positions)
    {
        foreach (var problem in data.Train)
        {
            int tokens = LongestRlPrompt(format, problem, maxRoutes);
            if (tokens + maxNewTokens > positions)
                throw new RealmException($"{data.Where(problem)}: problem '{problem.Id}' makes a prompt of up to {tokens} tokens; with --max-new-tokens " +
                    $"{maxNewTokens} that exceeds the model's {positions} positions (max_position_embeddings)");
        }
    }

    /// <summary>Refuses SFT examples (one per problem of <paramref name="problems"/>, in order) longer than <paramref name="positions"/>.</summary>
    public static void CheckExamples(FineTuneDataset data, IReadOnlyList<Problem> problems, IReadOnlyList<PromptCompletion> examples, int positions)
    {
        for (int i = 0; i < examples.Count; i++)
            if (examples[i].Length > positions)
                throw new RealmException($"{data.Where(problems[i])}: problem '{problems[i].Id}' makes a training example " +
                    $"of {examples[i].Length} tokens, more than the model's {positions} positions (max_position_embeddings)");
    }
}
