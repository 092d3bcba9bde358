using System.Globalization;
using System.Numerics;

namespace Realm.Domains;

/// <summary>
/// Answers of the built-in domains are integers: " 054 ", "+54" and "54" are the same answer, and
/// anything that is not a whole number (a word, "54.0", "5 4", an empty string) is simply wrong.
/// </summary>
public static class IntegerAnswer
{
    // Model output is untrusted; a longer "number" is not an answer, and must not cost a long parse.
    private const int MaxLength = 64;

    public static bool TryParse(string? text, out BigInteger value)
    {
        value = default;
        var trimmed = text?.Trim();
        return trimmed is { Length: > 0 and <= MaxLength }
            && BigInteger.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>True if both are integers with the same value.</summary>
    public static bool Same(string? a, string? b) => TryParse(a, out var x) && TryParse(b, out var y) && x == y;
}
