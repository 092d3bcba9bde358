using System.Buffers;
using System.Globalization;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// Finds added tokens in text as Hugging Face tokenizers does: scanning left to right, the leftmost
/// match wins and, among matches starting there, the longest; then <c>single_word</c>, <c>lstrip</c> and
/// <c>rstrip</c> are applied. The text between matches is left for the normal pipeline.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(token => token.Content.Length > 0)
            .GroupBy(token => token.Content[0])
            .ToDictionary(group => group.Key, group => group.OrderByDescending(token => token.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>
    /// Splits <c>text[start..end]</c> into added tokens and the text between them, appended to
    /// <paramref name="segments"/> in order. With <paramref name="matchSpecial"/> false, special tokens
    /// stay text (but still hide the other tokens they overlap, as in Hugging Face).
    /// </summary>
    public void Split(string text, int start, int end, bool matchSpecial, List<Segment> segments)
    {
        int textStart = start, searchFrom = start;
        while (searchFrom < end)
        {
            int offset = text.AsSpan(searchFrom, end - searchFrom).IndexOfAny(_firstChars);
            if (offset < 0) break;
            int matchStart = searchFrom + offset;
            AddedToken? token = LongestAt(text, matchStart, end);
            if (token == null)
            {
                searchFrom = matchStart + 1;
                continue;
            }
            int matchEnd = matchStart + token.Content.Length;
            searchFrom = matchEnd;
            if (token.Special && !matchSpecial) continue;
            if (token.SingleWord && (EndsWithWordChar(text, start, matchStart) || StartsWithWordChar(text, matchEnd, end))) continue;
            if (token.LeftStrip)
                while (matchStart > textStart && char.IsWhiteSpace(text[matchStart - 1])) matchStart--;
            if (token.RightStrip)
                while (matchEnd < end && char.IsWhiteSpace(text[matchEnd])) matchEnd++;
            if (textStart < matchStart) segments.Add(Segment.Text(textStart, matchStart));
            segments.Add(Segment.Token(token, matchStart, matchEnd));
            textStart = matchEnd;
            searchFrom = Math.Max(searchFrom, matchEnd);
        }
        if (textStart < end) segments.Add(Segment.Text(textStart, end));
    }

    private AddedToken? LongestAt(string text, int position, int end)
    {
        ReadOnlySpan<char> rest = text.AsSpan(position, end - position);
        foreach (AddedToken token in _byFirstChar[text[position]])
            if (rest.StartsWith(token.Content, StringComparison.Ordinal)) return token;
        return null;
    }

    private static bool EndsWithWordChar(string text, int start, int position) => position > start && IsWordChar(text[position - 1]);

    private static bool StartsWithWordChar(string text, int position, int end) => position < end && IsWordChar(text[position]);

    // Regex \w: letters, marks, digits and connector punctuation.
    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;
}

/// <summary>A piece of the input: an added token, or text (<see cref="Added"/> null) for the pipeline.</summary>
internal readonly record struct Segment(AddedToken? Added, int Start, int End)
{
    public static Segment Text(int start, int end) => new(null, start, end);
    public static Segment Token(AddedToken token, int start, int end) => new(token, start, end);
}
