using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

public class ByteTokenizerTests
{
    private readonly ByteTokenizer _tokenizer = new();

    [Fact]
    public void Ids_BytesThenBosEosPad()
    {
        Assert.Equal(259, _tokenizer.VocabSize);
        Assert.Equal(256, _tokenizer.BosId);
        Assert.Equal(257, _tokenizer.EosId);
        Assert.Equal(258, _tokenizer.PadId);
        Assert.Equal(["<|bos|>", "<|eos|>", "<|pad|>"], _tokenizer.SpecialTokens);
    }

    [Fact]
    public void Ascii_RoundTrips()
    {
        int[] ids = _tokenizer.Encode("Hi, 2+2=4\n");
        Assert.Equal([72, 105, 44, 32, 50, 43, 50, 61, 52, 10], ids);
        Assert.Equal("Hi, 2+2=4\n", _tokenizer.Decode(ids));
    }

    [Fact]
    public void MultiByteUtf8_RoundTrips()
    {
        string text = "é世🙂";
        int[] ids = _tokenizer.Encode(text);
        Assert.Equal([0xC3, 0xA9, 0xE4, 0xB8, 0x96, 0xF0, 0x9F, 0x99, 0x82], ids);
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    [Fact]
    public void EmptyText()
    {
        Assert.Empty(_tokenizer.Encode(""));
        Assert.Equal("", _tokenizer.Decode([]));
    }

    [Fact]
    public void SpecialTokens_InTextBecomeTheirIds()
    {
        int[] ids = _tokenizer.Encode("<|bos|>hi<|eos|><|pad|>");
        Assert.Equal([256, 104, 105, 257, 258], ids);
        Assert.Equal("<|bos|>hi<|eos|><|pad|>", _tokenizer.Decode(ids));
    }

    [Fact]
    public void SpecialTokens_CanBeLeftAsText()
    {
        int[] ids = _tokenizer.Encode("<|eos|>", parseSpecialTokens: false);
        Assert.Equal("<|eos|>".Select(c => (int)c), ids);
    }

    [Fact]
    public void PartialSpecialToken_StaysBytes()
    {
        Assert.Equal("<|bo<|eos".Select(c => (int)c), _tokenizer.Encode("<|bo<|eos"));
    }

    [Fact]
    public void ExtraSpecialTokens_FollowThePad()
    {
        var tokenizer = new ByteTokenizer("<verify>", "</verify>");
        Assert.Equal(261, tokenizer.VocabSize);
        Assert.Equal([256, 259, 49, 260, 257], tokenizer.Encode("<|bos|><verify>1</verify><|eos|>"));
        Assert.True(tokenizer.IsSpecial(260));
        Assert.Equal("</verify>", tokenizer.TokenToString(260));
    }

    [Fact]
    public void LongerSpecialToken_WinsOverItsPrefix()
    {
        var tokenizer = new ByteTokenizer("<v>", "<v>x");
        Assert.Equal([260, 121, 259], tokenizer.Encode("<v>xy<v>"));
    }

    [Fact]
    public void Decode_SkipsSpecialTokensOnRequest()
    {
        Assert.Equal("hi", _tokenizer.Decode([256, 104, 105, 257], skipSpecialTokens: true));
    }

    [Theory]
    [InlineData(new[] { 0xFF }, "\uFFFD")]
    [InlineData(new[] { 0x61, 0xC3 }, "a\uFFFD")]              // truncated 2-byte sequence
    [InlineData(new[] { 0xE4, 0xB8 }, "\uFFFD")]               // truncated 3-byte sequence: one replacement
    [InlineData(new[] { 0xC0, 0xAF }, "\uFFFD\uFFFD")]         // overlong encoding of '/'
    [InlineData(new[] { 0xED, 0xA0, 0x80 }, "\uFFFD\uFFFD\uFFFD")] // encoded surrogate
    [InlineData(new[] { 0xE4, 256, 0xB8, 0x96 }, "\uFFFD<|bos|>\uFFFD\uFFFD")] // a special splits a character
    public void Decode_ReplacesInvalidUtf8(int[] ids, string expected)
    {
        Assert.Equal(expected, _tokenizer.Decode(ids));
    }

    [Fact]
    public void Decode_RejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([65, 259]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([-1]));
    }

    [Fact]
    public void IsSpecial_OnlyForSpecialIds()
    {
        Assert.False(_tokenizer.IsSpecial(0));
        Assert.False(_tokenizer.IsSpecial(255));
        Assert.True(_tokenizer.IsSpecial(256));
        Assert.True(_tokenizer.IsSpecial(258));
        Assert.False(_tokenizer.IsSpecial(259));
    }

    [Theory]
    [InlineData(97, "a")]
    [InlineData(32, " ")]
    [InlineData(10, "<0x0A>")]
    [InlineData(0xE4, "<0xE4>")]
    [InlineData(257, "<|eos|>")]
    public void TokenToString_IsReadable(int id, string expected)
    {
        Assert.Equal(expected, _tokenizer.TokenToString(id));
    }

    [Theory]
    [InlineData("<x>", "<x>")]
    [InlineData("<|eos|>")]
    [InlineData("")]
    public void Constructor_RejectsDuplicateOrEmptySpecialTokens(params string[] extra)
    {
        Assert.Throws<ArgumentException>(() => new ByteTokenizer(extra));
    }
}
