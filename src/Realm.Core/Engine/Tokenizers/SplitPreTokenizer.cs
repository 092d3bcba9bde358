namespace Realm.Engine.Tokenizers;

/// <summary>What a <see cref="SplitPreTokenizer"/> does with the matches of its pattern.</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>
/// Hugging Face's <c>Split</c> pre-tokenizer: finds the pattern's matches and cuts around them, keeping
/// each match as its own piece (Isolated), dropping it (Removed), gluing it to the piece before or after,
/// or joining runs of matches (Contiguous). <c>invert</c> swaps the roles of matches and the gaps between.
/// </summary>
internal sealed class SplitPreTokenizer(OnigurumaRegex pattern, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(ReadOnlyMemory<char> piece, List<ReadOnlyMemory<char>> output)
    {
        var parts = new List<(int Start, int End, bool IsMatch)>();
        foreach (var (start, end, isMatch) in MatchesAndGaps(piece.Span)) parts.Add((start, end, isMatch != invert));
        foreach (var (start, end) in Arrange(parts))
            if (end > start) output.Add(piece[start..end]);
    }

    private List<(int Start, int End, bool IsMatch)> MatchesAndGaps(ReadOnlySpan<char> text)
    {
        var matches = new List<(int Start, int End)>();
        pattern.FindMatches(text, matches);
        var parts = new List<(int, int, bool)>(matches.Count * 2 + 1);
        int previous = 0;
        foreach (var (start, end) in matches)
        {
            if (previous != start) parts.Add((previous, start, false));
            parts.Add((start, end, true));
            previous = end;
        }
        if (previous != text.Length) parts.Add((previous, text.Length, false));
        return parts;
    }

    // The same folds as tokenizers' NormalizedString::split.
    private List<(int Start, int End)> Arrange(List<(int Start, int End, bool IsMatch)> parts)
    {
        bool backwards = behavior == SplitBehavior.MergedWithNext;
        if (backwards) parts.Reverse();
        var output = new List<(int Start, int End)>(parts.Count);
        bool previousWasMatch = false;
        foreach (var part in parts)
        {
            bool extendLast = behavior switch
            {
                SplitBehavior.MergedWithPrevious or SplitBehavior.MergedWithNext => part.IsMatch && !previousWasMatch,
                SplitBehavior.Contiguous => part.IsMatch == previousWasMatch,
                _ => false,
            };
            previousWasMatch = part.IsMatch;
            if (behavior == SplitBehavior.Removed && part.IsMatch) continue;
            if (extendLast && output.Count > 0)
            {
                var last = output[^1];
                output[^1] = backwards ? (part.Start, last.End) : (last.Start, part.End);
            }
            else output.Add((part.Start, part.End));
        }
        if (backwards) output.Reverse();
        return output;
    }
}
