using System.Text;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// Unicode Normalization Form C (canonical decomposition, canonical ordering, canonical composition),
/// as Qwen2's tokenizer.json asks for. Implemented here from <see cref="NfcData"/> because the project
/// runs with InvariantGlobalization, where <see cref="string.Normalize()"/> returns its input unchanged.
/// </summary>
internal static class Nfc
{
    private const int HangulFirst = 0xAC00, LeadFirst = 0x1100, VowelFirst = 0x1161, TrailFirst = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28, HangulCount = 11172, LeadVowelCount = VowelCount * TrailCount;

    private static readonly Dictionary<int, int> s_classes = BuildClasses();
    private static readonly Dictionary<int, (int First, int Second)> s_decompositions = BuildDecompositions();
    private static readonly Dictionary<long, int> s_compositions = BuildCompositions();
    private static readonly int[] s_unstable = NfcData.UnstableRanges.ToArray();
    private static readonly System.Collections.BitArray s_unstableBmp = BuildUnstableBmp();

    /// <summary>
    /// True when NFC cannot change <paramref name="text"/>: every code point is a starter that neither
    /// decomposes differently nor combines with what precedes it. Most text takes only this check.
    /// </summary>
    public static bool IsNormalized(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x300) continue;
            bool unstable = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                ? IsUnstable(char.ConvertToUtf32(c, text[++i]))
                : s_unstableBmp[c];
            if (unstable) return false;
        }
        return true;
    }

    /// <summary>
    /// Normalizes only the regions that need it: each runs from the last stable starter before an
    /// unstable code point to the next stable starter, which nothing can cross.
    /// </summary>
    public static string Normalize(ReadOnlySpan<char> text)
    {
        if (IsNormalized(text)) return text.ToString();
        var result = new StringBuilder(text.Length);
        var codePoints = new List<int>();
        int copied = 0, lastStable = 0, position = 0;
        while (position < text.Length)
        {
            int length = char.IsHighSurrogate(text[position]) && position + 1 < text.Length && char.IsLowSurrogate(text[position + 1]) ? 2 : 1;
            if (IsStable(text.Slice(position, length)))
            {
                lastStable = position;
                position += length;
                continue;
            }
            // Extend to the next stable code point (or the end), then normalize from the last stable one.
            int regionEnd = position + length;
            while (regionEnd < text.Length)
            {
                int next = char.IsHighSurrogate(text[regionEnd]) && regionEnd + 1 < text.Length && char.IsLowSurrogate(text[regionEnd + 1]) ? 2 : 1;
                if (IsStable(text.Slice(regionEnd, next))) break;
                regionEnd += next;
            }
            int regionStart = Math.Max(lastStable, copied);
            result.Append(text[copied..regionStart]);
            AppendNormalized(text[regionStart..regionEnd], codePoints, result);
            copied = position = regionEnd;
        }
        result.Append(text[copied..]);
        return result.ToString();
    }

    private static bool IsStable(ReadOnlySpan<char> codePoint)
    {
        int value = codePoint.Length == 2 ? char.ConvertToUtf32(codePoint[0], codePoint[1]) : codePoint[0];
        return value < 0x300 || (value < 0x10000 ? !s_unstableBmp[value] : !IsUnstable(value));
    }

    private static void AppendNormalized(ReadOnlySpan<char> region, List<int> codePoints, StringBuilder output)
    {
        codePoints.Clear();
        foreach (Rune rune in region.EnumerateRunes()) Decompose(rune.Value, codePoints);
        SortCombiningMarks(codePoints);
        int length = Compose(codePoints);
        for (int i = 0; i < length; i++) output.Append(new Rune(codePoints[i]));
    }

    private static bool IsUnstable(int codePoint)
    {
        // Binary search over the (first, last) pairs.
        int lo = 0, hi = s_unstable.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (codePoint < s_unstable[2 * mid]) hi = mid - 1;
            else if (codePoint > s_unstable[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    private static int CombiningClass(int codePoint) => s_classes.GetValueOrDefault(codePoint);

    private static void Decompose(int codePoint, List<int> output)
    {
        int syllable = codePoint - HangulFirst;
        if (syllable is >= 0 and < HangulCount)
        {
            output.Add(LeadFirst + syllable / LeadVowelCount);
            output.Add(VowelFirst + syllable % LeadVowelCount / TrailCount);
            if (syllable % TrailCount != 0) output.Add(TrailFirst + syllable % TrailCount);
            return;
        }
        if (!s_decompositions.TryGetValue(codePoint, out var parts))
        {
            output.Add(codePoint);
            return;
        }
        Decompose(parts.First, output);
        if (parts.Second >= 0) Decompose(parts.Second, output);
    }

    /// <summary>Canonical ordering: a stable sort of each run of non-starters by combining class.</summary>
    private static void SortCombiningMarks(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int current = codePoints[i], currentClass = CombiningClass(current);
            if (currentClass == 0) continue;
            int j = i;
            while (j > 0 && CombiningClass(codePoints[j - 1]) > currentClass)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = current;
        }
    }

    /// <summary>Canonical composition in place (the algorithm of UAX #15); returns the new length.</summary>
    private static int Compose(List<int> codePoints)
    {
        if (codePoints.Count == 0) return 0;
        int starterIndex = 0, starter = codePoints[0];
        // A leading non-starter blocks everything after it until the next starter.
        int lastClass = CombiningClass(starter) == 0 ? 0 : 256;
        int written = 1;
        for (int i = 1; i < codePoints.Count; i++)
        {
            int current = codePoints[i], currentClass = CombiningClass(current);
            int composite = ComposePair(starter, current);
            if (composite >= 0 && (lastClass < currentClass || lastClass == 0))
            {
                codePoints[starterIndex] = starter = composite;
                continue;
            }
            if (currentClass == 0)
            {
                starterIndex = written;
                starter = current;
            }
            lastClass = currentClass;
            codePoints[written++] = current;
        }
        return written;
    }

    private static int ComposePair(int first, int second)
    {
        int lead = first - LeadFirst, vowel = second - VowelFirst;
        if (lead is >= 0 and < 19 && vowel is >= 0 and < VowelCount)
            return HangulFirst + (lead * VowelCount + vowel) * TrailCount;
        int syllable = first - HangulFirst, trail = second - TrailFirst;
        if (syllable is >= 0 and < HangulCount && syllable % TrailCount == 0 && trail is > 0 and < TrailCount)
            return first + trail;
        return s_compositions.TryGetValue(PairKey(first, second), out int composite) ? composite : -1;
    }

    private static long PairKey(int first, int second) => ((long)first << 32) | (uint)second;

    private static System.Collections.BitArray BuildUnstableBmp()
    {
        var bmp = new System.Collections.BitArray(0x10000);
        for (int i = 0; i < s_unstable.Length && s_unstable[i] < 0x10000; i += 2)
            for (int c = s_unstable[i]; c <= Math.Min(s_unstable[i + 1], 0xFFFF); c++) bmp[c] = true;
        return bmp;
    }

    private static Dictionary<int, int> BuildClasses()
    {
        ReadOnlySpan<int> data = NfcData.CombiningClasses;
        var classes = new Dictionary<int, int>(data.Length / 2);
        for (int i = 0; i < data.Length; i += 2) classes[data[i]] = data[i + 1];
        return classes;
    }

    private static Dictionary<int, (int, int)> BuildDecompositions()
    {
        ReadOnlySpan<int> data = NfcData.Decompositions;
        var decompositions = new Dictionary<int, (int, int)>(data.Length / 3);
        for (int i = 0; i < data.Length; i += 3) decompositions[data[i]] = (data[i + 1], data[i + 2]);
        return decompositions;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        ReadOnlySpan<int> data = NfcData.Compositions;
        var compositions = new Dictionary<long, int>(data.Length / 3);
        for (int i = 0; i < data.Length; i += 3) compositions[PairKey(data[i], data[i + 1])] = data[i + 2];
        return compositions;
    }
}
