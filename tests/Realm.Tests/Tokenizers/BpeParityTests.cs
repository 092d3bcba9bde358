using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

/// <summary>
/// Exact agreement with Hugging Face tokenizers (Rust) on GPT-2, Qwen3, Llama-3 and a BpeTrainer
/// tokenizer, over a ~100 KB mixed-script text and short edge cases (tools/tokenizers/parity_texts.mjs).
/// </summary>
public class BpeParityTests
{
    public static TheoryData<string> Names => new(TokenizerFixtures.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Encode_MatchesHuggingFace(string name)
    {
        var tokenizer = TokenizerFixtures.Load(name);
        var expected = TokenizerFixtures.Expected.Tokenizers[name];
        string[] texts = TokenizerFixtures.Expected.Texts;
        for (int i = 0; i < texts.Length; i++) AssertSameIds(expected.Ids[i], tokenizer.Encode(texts[i]), tokenizer, $"{name}, text {i}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EncodeWithoutParsingSpecialTokens_MatchesHuggingFace(string name)
    {
        var tokenizer = TokenizerFixtures.Load(name);
        var expected = TokenizerFixtures.Expected.Tokenizers[name];
        string[] texts = TokenizerFixtures.Expected.Texts;
        for (int i = 0; i < texts.Length; i++)
            AssertSameIds(expected.IdsNoSpecial[i], tokenizer.Encode(texts[i], parseSpecialTokens: false), tokenizer, $"{name}, text {i}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AddingSpecialTokens_MatchesHuggingFace(string name)
    {
        var tokenizer = TokenizerFixtures.Load(name);
        var expected = TokenizerFixtures.Expected.Tokenizers[name];
        string[] texts = TokenizerFixtures.Expected.Texts;
        for (int i = 0; i < texts.Length; i++)
            AssertSameIds(expected.IdsAddSpecial[i], tokenizer.WithSpecialTokens(tokenizer.Encode(texts[i])), tokenizer, $"{name}, text {i}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_MatchesHuggingFace(string name)
    {
        var tokenizer = Assert.IsType<BpeTokenizer>(TokenizerFixtures.Load(name));
        var expected = TokenizerFixtures.Expected.Tokenizers[name];
        for (int i = 0; i < expected.Ids.Length; i++)
        {
            Assert.Equal(expected.Decoded[i], tokenizer.Decode(expected.Ids[i]));
            Assert.Equal(expected.DecodedSkipSpecial[i], tokenizer.Decode(expected.Ids[i], skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void DecodeOfEncode_GivesTheTextBack(string name)
    {
        var tokenizer = TokenizerFixtures.Load(name);
        foreach (string text in TokenizerFixtures.Expected.Texts)
        {
            // Qwen normalizes to NFC, so its round trip gives the NFC form.
            string expected = name == "qwen3" ? Nfc.Normalize(text) : text;
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void TheLargeTextIsTensOfKilobytesAndCoversManyScripts()
    {
        string text = TokenizerFixtures.Expected.Texts[0];
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(text), 50_000, 500_000);
        foreach (string sample in new[] { "中文", "العربية", "हिन्दी", "Русский", "Việt", "👨‍👩‍👧‍👦", "🇫🇷", "\r\n", "\t\t", "'LL", "<|im_end|>", "def fibonacci", "𝐇𝐞𝐥𝐥𝐨" })
            Assert.Contains(sample, text);
    }

    private static void AssertSameIds(int[] expected, int[] actual, ITokenizer tokenizer, string what)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        int at = 0;
        while (at < Math.Min(expected.Length, actual.Length) && expected[at] == actual[at]) at++;
        string Window(int[] ids) => string.Join(" ", ids.Skip(Math.Max(0, at - 3)).Take(8).Select(id => $"{id}:{tokenizer.TokenToString(id)}"));
        Assert.Fail($"{what}: first difference at id {at} of {expected.Length} expected / {actual.Length} actual\n expected {Window(expected)}\n actual   {Window(actual)}");
    }
}
