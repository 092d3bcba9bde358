using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// A pre-tokenizer pattern written for Oniguruma (what Hugging Face tokenizers compiles them with), run
/// by .NET's Regex so that it splits text the same way. Two differences need bridging:
/// <list type="bullet">
/// <item>.NET matches UTF-16 code units, Oniguruma code points: <c>\p{L}</c> must match 𝐀 or 𠀀, and
/// <c>[^\p{L}]?</c> must take a whole emoji, never half a surrogate pair. Text with surrogates is
/// matched as a stand-in string with one character of the same Unicode category per code point.</item>
/// <item>Oniguruma's <c>(?i:...)</c> uses Unicode case folding, where ſ (U+017F) folds to s and the
/// Kelvin sign to k; .NET's does not, so those letters get explicit classes.</item>
/// </list>
/// </summary>
internal sealed class OnigurumaRegex
{
    private readonly Regex _regex;

    /// <exception cref="ArgumentException">the pattern is not valid .NET syntax after translation</exception>
    public OnigurumaRegex(string pattern)
    {
        _regex = new Regex(Translate(pattern), RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>Appends the (start, end) char ranges of the non-overlapping matches in <paramref name="text"/>.</summary>
    public void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (ValueMatch match in _regex.EnumerateMatches(text)) matches.Add((match.Index, match.Index + match.Length));
            return;
        }

        // One stand-in char per code point; starts[i] is where code point i begins in text.
        char[] standIn = ArrayPool<char>.Shared.Rent(text.Length);
        int[] starts = ArrayPool<int>.Shared.Rent(text.Length + 1);
        int count = 0, position = 0;
        while (position < text.Length)
        {
            Rune.DecodeFromUtf16(text[position..], out Rune rune, out int used);
            starts[count] = position;
            standIn[count++] = rune.IsBmp ? (char)rune.Value : StandInFor(Rune.GetUnicodeCategory(rune));
            position += used;
        }
        starts[count] = text.Length;
        foreach (ValueMatch match in _regex.EnumerateMatches(standIn.AsSpan(0, count)))
            matches.Add((starts[match.Index], starts[match.Index + match.Length]));
        ArrayPool<char>.Shared.Return(standIn);
        ArrayPool<int>.Shared.Return(starts);
    }

    /// <summary>A BMP character of the given category, none of them ASCII, so no literal in a pattern matches it.</summary>
    internal static char StandInFor(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0391',
        UnicodeCategory.LowercaseLetter => '\u03B1',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.SpaceSeparator => '\u3000',
        UnicodeCategory.LineSeparator => '\u2028',
        UnicodeCategory.ParagraphSeparator => '\u2029',
        UnicodeCategory.Control => '\u0085',
        UnicodeCategory.Format => '\u200B',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00B7',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20AC',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u2600',
        _ => '\u0378', // unassigned (surrogates cannot occur: a rune is a whole code point)
    };

    /// <summary>
    /// Rewrites the letters whose Unicode case folding reaches beyond ASCII inside case-insensitive
    /// groups: s → [sſ], k → [kK]. Escapes and character classes are copied unchanged.
    /// </summary>
    internal static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var caseInsensitive = new Stack<bool>();
        bool ignoreCase = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\':
                    int escapeEnd = EscapeEnd(pattern, i);
                    output.Append(pattern, i, escapeEnd - i);
                    i = escapeEnd - 1;
                    break;
                case '[':
                    int classEnd = ClassEnd(pattern, i);
                    output.Append(pattern, i, classEnd - i);
                    i = classEnd - 1;
                    break;
                case '(':
                    caseInsensitive.Push(ignoreCase);
                    if (pattern.AsSpan(i).StartsWith("(?i:")) ignoreCase = true;
                    else if (pattern.AsSpan(i).StartsWith("(?-i:")) ignoreCase = false;
                    else if (pattern.AsSpan(i).StartsWith("(?i)"))
                    {
                        // A flag for the rest of the enclosing group, not a group of its own.
                        caseInsensitive.Pop();
                        ignoreCase = true;
                        output.Append("(?i)");
                        i += 3;
                        break;
                    }
                    output.Append(c);
                    break;
                case ')':
                    if (caseInsensitive.Count > 0) ignoreCase = caseInsensitive.Pop();
                    output.Append(c);
                    break;
                case 's' or 'S' when ignoreCase:
                    output.Append("[sſ]");
                    break;
                case 'k' or 'K' when ignoreCase:
                    output.Append("[kK]");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
        return output.ToString();
    }

    // \p{...}, \x{...} and \k<...> run to their closing bracket; other escapes are two chars.
    private static int EscapeEnd(string pattern, int start)
    {
        if (start + 2 < pattern.Length && pattern[start + 1] is 'p' or 'P' or 'x' && pattern[start + 2] == '{')
        {
            int close = pattern.IndexOf('}', start);
            return close < 0 ? pattern.Length : close + 1;
        }
        return Math.Min(start + 2, pattern.Length);
    }

    // A class may nest classes and contain escaped brackets; a ']' right after '[' or '[^' is literal.
    private static int ClassEnd(string pattern, int start)
    {
        int depth = 0;
        for (int i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    depth++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^') i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']') i++;
                    break;
                case ']':
                    if (--depth == 0) return i + 1;
                    break;
            }
        }
        return pattern.Length;
    }
}
