using System.Text;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

public class BpeTrainerTests
{
    private static readonly string[] s_corpus =
    [
        "the cat sat on the mat. the cat ate the rat.",
        "2 + 2 = 4 <verify>ok</verify> the end",
        "then the theme of the thesis: there, these, those.",
    ];

    private static BpeTrainerOptions Options(int vocabSize = 300) => new() { VocabSize = vocabSize, ExtraSpecialTokens = ["<verify>", "</verify>"] };

    [Fact]
    public void ReproducesTheFixtureThatHuggingFaceWasCheckedAgainst()
    {
        // The fixture's tokenizer.json came from this trainer (realm train-tokenizer); BpeParityTests checks
        // Hugging Face encodes with it exactly as we do. Training again must give the same file.
        var parity = TokenizerFixtures.Expected;
        var tokenizer = BpeTrainer.Train(parity.Texts[0].Split("\n\n"),
            new BpeTrainerOptions { VocabSize = parity.TrainedVocabSize, ExtraSpecialTokens = parity.TrainedSpecialTokens });
        using var saved = new TempDirectory();
        tokenizer.Save(saved.Path);
        string fixture = Path.Combine(TokenizerFixtures.Root, "trained");
        Assert.Equal(File.ReadAllText(Path.Combine(fixture, "tokenizer.json")), File.ReadAllText(saved.File("tokenizer.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(fixture, "tokenizer_config.json")), File.ReadAllText(saved.File("tokenizer_config.json")));
    }

    [Fact]
    public void LearnsTheFrequentPairsFirst_WithIdsAfterBytesAndSpecialTokens()
    {
        var tokenizer = BpeTrainer.Train(s_corpus, Options(vocabSize: 266));
        Assert.Equal(266, tokenizer.VocabSize);
        Assert.Equal(("t", "h"), tokenizer.Merges[0]); // the most frequent pair
        Assert.Equal(261, tokenizer.Vocab["th"]);
        Assert.Equal(256, tokenizer.BosId);
        Assert.Equal(257, tokenizer.EosId);
        Assert.Equal(258, tokenizer.PadId);
        Assert.Equal(259, tokenizer.TokenToId("<verify>"));
        Assert.Equal([("t", "h"), ("th", "e"), ("Ġ", "the")], tokenizer.Merges.Take(3));
        Assert.Equal([263], tokenizer.Encode(" the"));
        Assert.Equal([256, 259], tokenizer.Encode("<|bos|><verify>"));
        Assert.DoesNotContain(tokenizer.Vocab.Keys, token => token.Contains("verify") && token != "<verify>" && token != "</verify>");
    }

    [Fact]
    public void IsDeterministic_AndTiesGoToTheSmallerPair()
    {
        // (a, b), (Ġ, c) and (c, d) all occur twice: (Ġ, c) has the smallest ids (a space is byte 32), then
        // (a, b) beats (Ġc, d), whose new token has id 261.
        var tokenizer = BpeTrainer.Train(["ab cd ab cd"], Options(vocabSize: 263));
        Assert.Equal([("Ġ", "c"), ("a", "b")], tokenizer.Merges);
        var again = BpeTrainer.Train(["ab cd ab cd"], Options(vocabSize: 263));
        Assert.Equal(tokenizer.Merges, again.Merges);
    }

    [Fact]
    public void StopsWhenNoPairRepeats()
    {
        var tokenizer = BpeTrainer.Train(["abcdef"], Options(vocabSize: 4096));
        Assert.Empty(tokenizer.Merges);
        Assert.Equal(261, tokenizer.VocabSize);
    }

    [Fact]
    public void SaveThenLoad_GivesTheSameTokenizer()
    {
        var trained = BpeTrainer.Train(s_corpus, Options());
        using var dir = new TempDirectory();
        trained.Save(dir.Path);
        var loaded = Assert.IsType<BpeTokenizer>(TokenizerLoader.Load(dir.Path));
        Assert.Equal(trained.Merges, loaded.Merges);
        Assert.Equal(trained.Vocab.OrderBy(p => p.Value), loaded.Vocab.OrderBy(p => p.Value));
        Assert.Equal(trained.BosId, loaded.BosId);
        Assert.Equal(trained.EosId, loaded.EosId);
        foreach (string text in s_corpus.Append("unseen words ✓ 😀 <|eos|>"))
        {
            Assert.Equal(trained.Encode(text), loaded.Encode(text));
            Assert.Equal(text, loaded.Decode(loaded.Encode(text)));
        }
        Assert.Equal([256, .. trained.Encode("x")], loaded.WithSpecialTokens(loaded.Encode("x")));
    }

    [Fact]
    public void TrainsOnMegabytesInSeconds()
    {
        var documents = Enumerable.Range(0, 20_000).Select(i => $"Document {i}: the value of x{i % 97} is {i * 31 % 1000}; see section {i % 13}.\n").ToList();
        Assert.True(Encoding.UTF8.GetByteCount(string.Concat(documents)) > 1_000_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tokenizer = BpeTrainer.Train(documents, Options(vocabSize: 2048));
        Assert.InRange(tokenizer.VocabSize, 1500, 2048); // this corpus runs out of repeated pairs a little early
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData(200, "", "vocab size 200 is too small")]
    [InlineData(300, "<|eos|>", "special token '<|eos|>' is listed twice")]
    [InlineData(300, "-", "special tokens must not be empty")]
    public void BadOptions_AreUserErrors(int vocabSize, string extra, string expected)
    {
        var options = new BpeTrainerOptions { VocabSize = vocabSize, ExtraSpecialTokens = extra == "" ? [] : [extra == "-" ? "" : extra] };
        var error = Assert.Throws<RealmException>(() => BpeTrainer.Train(s_corpus, options));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void WithoutDigitMergesNumbersStayDigitByDigit()
    {
        var docs = Enumerable.Range(0, 200).Select(i => $"R2: 9*4=36, total 36 then 36*2=72 zone zone zone {i % 7}").ToList();
        var merged = BpeTrainer.Train(docs, new BpeTrainerOptions { VocabSize = 400 });
        var digits = BpeTrainer.Train(docs, new BpeTrainerOptions { VocabSize = 400, MergeDigits = false });
        string Show(BpeTokenizer t, string text) => string.Join("|", t.Encode(text).Select(id => t.Decode([id])));
        Assert.Contains("36", Show(merged, "x 36*2=72").Split('|').Select(s => s.Trim())); // merged: "36" is one token
        Assert.Equal("x| |3|6|*|2|=|7|2", Show(digits, "x 36*2=72"));
        Assert.Contains("zone", Show(digits, "zone zone").Split('|').Select(s => s.Trim())); // words still merge
        Assert.Equal("x 36*2=72", digits.Decode(digits.Encode("x 36*2=72")));
    }
}
