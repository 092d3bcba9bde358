using Realm.Engine.Model;

namespace Realm.Training;

/// <summary>A training sequence split into a prompt (context only) and a completion (what is learned).</summary>
public sealed record PromptCompletion(int[] Prompt, int[] Completion)
{
    public int Length => Prompt.Length + Completion.Length;
}

/// <summary>
/// Packs prompt+completion sequences into one <see cref="TokenBatch"/> and says which rows predict
/// completion tokens: in sequence s, rows [CompletionStart[s], CompletionStart[s] + Completion.Length)
/// each predict the next completion token, so losses can be put on completions only.
/// </summary>
public sealed class PackedCompletions
{
    public TokenBatch Batch { get; }
    public int[] CompletionStart { get; }
    public IReadOnlyList<PromptCompletion> Samples { get; }

    public PackedCompletions(IReadOnlyList<PromptCompletion> samples)
    {
        Samples = samples;
        Batch = TokenBatch.ForNextToken(samples.Select(s => s.Prompt.Concat(s.Completion).ToArray()).ToList());
        CompletionStart = new int[samples.Count];
        for (int s = 0; s < samples.Count; s++)
        {
            if (samples[s].Prompt.Length == 0) throw new ArgumentException("a prompt needs at least one token (e.g. BOS)");
            CompletionStart[s] = Batch.Starts[s] + samples[s].Prompt.Length - 1;
        }
    }

    /// <summary>
    /// Splits samples (in order) into groups of at most <paramref name="maxTokens"/> tokens each (a
    /// longer sample gets a group of its own), so activations stay within a fixed budget.
    /// </summary>
    public static List<List<int>> Group(IReadOnlyList<PromptCompletion> samples, int maxTokens)
    {
        var groups = new List<List<int>>();
        var current = new List<int>();
        int tokens = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            if (current.Count > 0 && tokens + samples[i].Length > maxTokens)
            {
                groups.Add(current);
                current = new List<int>();
                tokens = 0;
            }
            current.Add(i);
            tokens += samples[i].Length;
        }
        if (current.Count > 0) groups.Add(current);
        return groups;
    }
}
