namespace Realm.Engine.Model;

/// <summary>
/// Sequences of different lengths packed end to end into one row per token, with no padding: attention
/// stays inside each sequence and positions restart at 0 in each. Targets are the tokens whose
/// log-probabilities the forward pass reads (usually the next token; −1 where there is none).
/// </summary>
public sealed class TokenBatch
{
    public int[] Tokens { get; }
    public int[] Targets { get; }
    public int[] Positions { get; }
    public int[] Starts { get; }
    public int[] Lengths { get; }
    public int Count => Tokens.Length;
    public int SequenceCount => Starts.Length;

    public TokenBatch(int[] tokens, int[] targets, int[] lengths)
    {
        if (tokens.Length != targets.Length)
            throw new ArgumentException($"{tokens.Length} tokens but {targets.Length} targets");
        Tokens = tokens;
        Targets = targets;
        Lengths = lengths;
        Starts = new int[lengths.Length];
        Positions = new int[tokens.Length];
        int at = 0;
        for (int s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] <= 0) throw new ArgumentException($"sequence {s} is empty");
            Starts[s] = at;
            for (int i = 0; i < lengths[s]; i++) Positions[at + i] = i;
            at += lengths[s];
        }
        if (at != tokens.Length) throw new ArgumentException($"sequence lengths sum to {at}, not {tokens.Length} tokens");
    }

    /// <summary>Packs sequences for next-token prediction: target[i] = token[i+1], the last target −1.</summary>
    public static TokenBatch ForNextToken(IReadOnlyList<int[]> sequences)
    {
        int total = 0;
        foreach (var s in sequences) total += s.Length;
        var tokens = new int[total];
        var targets = new int[total];
        var lengths = new int[sequences.Count];
        int at = 0;
        for (int s = 0; s < sequences.Count; s++)
        {
            var seq = sequences[s];
            seq.CopyTo(tokens, at);
            for (int i = 0; i < seq.Length; i++) targets[at + i] = i + 1 < seq.Length ? seq[i + 1] : -1;
            lengths[s] = seq.Length;
            at += seq.Length;
        }
        return new TokenBatch(tokens, targets, lengths);
    }

    /// <summary>Throws a clear error if any token or target is outside the vocabulary.</summary>
    public void Validate(int vocabSize, int maxPositions)
    {
        for (int i = 0; i < Tokens.Length; i++)
        {
            if ((uint)Tokens[i] >= (uint)vocabSize)
                throw new RealmException($"token id {Tokens[i]} at position {i} is outside the vocabulary (size {vocabSize})");
            if (Targets[i] >= vocabSize)
                throw new RealmException($"target id {Targets[i]} at position {i} is outside the vocabulary (size {vocabSize})");
        }
        foreach (int length in Lengths)
            if (length > maxPositions)
                throw new RealmException($"a sequence of {length} tokens is longer than the model's {maxPositions} positions (max_position_embeddings)");
    }
}
