namespace Realm.Server;

/// <summary>
/// Finds the request's stop sequences in text that arrives in pieces. Text is released only once it cannot
/// be the start of a stop sequence, so a streamed reply never shows part of one; the reply ends just
/// before the first stop sequence found.
/// </summary>
internal sealed class StopTextMatcher(IReadOnlyList<string> stops)
{
    private string _held = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds a piece of text; returns what may now be shown (empty once stopped).</summary>
    public string Push(string piece)
    {
        if (Stopped) return "";
        string text = _held + piece;
        int first = -1;
        foreach (string stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            Stopped = true;
            _held = "";
            return text[..first];
        }
        int keep = LongestSuffixStartingAStop(text);
        _held = text[^keep..];
        return text[..^keep];
    }

    /// <summary>What is still held back, when no more text will come.</summary>
    public string Flush()
    {
        string rest = _held;
        _held = "";
        return rest;
    }

    private int LongestSuffixStartingAStop(string text)
    {
        int longest = 0;
        foreach (string stop in stops)
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length))) { longest = length; break; }
        return longest;
    }
}
