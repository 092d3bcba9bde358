namespace Realm.Engine.Tokenizers;

/// <summary>
/// One step of a Hugging Face pre-tokenizer: cuts each piece of text into smaller pieces. The BPE
/// model then encodes every final piece on its own, so merges never cross piece boundaries.
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>Appends the pieces <paramref name="piece"/> splits into (never empty ones) to <paramref name="output"/>.</summary>
    public abstract void Split(ReadOnlyMemory<char> piece, List<ReadOnlyMemory<char>> output);

    /// <summary>Runs <paramref name="steps"/> in order, each over every piece the previous one produced.</summary>
    public static void SplitAll(IReadOnlyList<PreTokenizer> steps, ReadOnlyMemory<char> text, List<ReadOnlyMemory<char>> pieces)
    {
        pieces.Clear();
        if (text.IsEmpty) return;
        pieces.Add(text);
        var next = new List<ReadOnlyMemory<char>>();
        foreach (PreTokenizer step in steps)
        {
            next.Clear();
            foreach (ReadOnlyMemory<char> piece in pieces) step.Split(piece, next);
            pieces.Clear();
            pieces.AddRange(next);
        }
    }
}
