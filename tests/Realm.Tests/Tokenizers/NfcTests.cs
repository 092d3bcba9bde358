using System.Text.Json;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

public class NfcTests
{
    [Fact]
    public void MatchesHuggingFaceNfcOnEveryDecomposableCodePoint()
    {
        using JsonDocument document = JsonDocument.Parse(TokenizerFixtures.Gunzip(Path.Combine(TokenizerFixtures.Root, "nfc.json.gz")));
        var failures = new List<string>();
        int count = 0;
        foreach (JsonElement pair in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            string input = pair[0].GetString()!, expected = pair[1].GetString()!;
            count++;
            string actual = Nfc.Normalize(input);
            if (actual != expected) failures.Add($"{Hex(input)} -> {Hex(actual)}, expected {Hex(expected)}");
        }
        Assert.True(count > 20_000, $"only {count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ, e.g.\n{string.Join("\n", failures.Take(20))}");
    }

    [Theory]
    [InlineData("e\u0301", "é")]
    [InlineData("\u212B", "Å")]                  // Angstrom sign: a singleton decomposition
    [InlineData("a\u0307\u0323", "ạ\u0307")]     // marks reordered by combining class, then the first composes
    [InlineData("\u1100\u1161\u11A8", "각")]      // Hangul jamo compose algorithmically
    [InlineData("\uAC00\u11A8", "각")]            // an LV syllable takes a trailing consonant
    [InlineData("\u0958", "\u0915\u093C")]        // excluded from composition: stays decomposed
    [InlineData("\u0301e", "\u0301e")]            // a leading mark composes with nothing
    [InlineData("plain ASCII", "plain ASCII")]
    public void Normalize(string input, string expected)
    {
        Assert.Equal(expected, Nfc.Normalize(input));
        // The quick check may say "not sure" for normalized text, but never "normalized" for text that is not.
        if (Nfc.IsNormalized(input)) Assert.Equal(input, expected);
    }

    [Theory]
    [InlineData("plain ASCII, Latin-1 café, 中文, 한국어, 😀")]
    [InlineData("")]
    public void IsNormalized_PassesComposedTextWithoutWork(string text) => Assert.True(Nfc.IsNormalized(text));

    private static string Hex(string text) => string.Join(" ", text.EnumerateRunes().Select(r => r.Value.ToString("X4")));
}
