using System.Text.Json;
using Realm.Tests.Tokenizers;

namespace Realm.Tests.Cli;

public class TokenizeCliTests
{
    [Fact]
    public void JsonIds_MatchHuggingFace()
    {
        using var dir = new TempDirectory();
        string text = TokenizerFixtures.Expected.Texts[0];
        File.WriteAllText(dir.File("text.txt"), text);
        var expected = TokenizerFixtures.Expected.Tokenizers["qwen3"];

        var r = RealmProcess.Run("tokenize", "--tokenizer", TokenizerFixtures.Directory("qwen3"), "--text-file", dir.File("text.txt"), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected.Ids[0], Ids(r.Stdout));

        r = RealmProcess.Run("tokenize", "--tokenizer", TokenizerFixtures.Directory("qwen3"), "--text-file", dir.File("text.txt"), "--json", "--no-parse-special");
        Assert.Equal(expected.IdsNoSpecial[0], Ids(r.Stdout));
    }

    [Fact]
    public void AddSpecial_UsesThePostProcessor()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), "hi");
        string trained = TokenizerFixtures.Directory("trained");
        var plain = Ids(RealmProcess.Run("tokenize", "--tokenizer", trained, "--text-file", dir.File("text.txt"), "--json").Stdout);
        var withBos = Ids(RealmProcess.Run("tokenize", "--tokenizer", trained, "--text-file", dir.File("text.txt"), "--json", "--add-special").Stdout);
        Assert.Equal([256, .. plain], withBos);
    }

    [Fact]
    public void WithoutJson_PrintsTheCountAndReadableTokens()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), "Hello world\n<|endoftext|>");
        var r = RealmProcess.Run("tokenize", "--tokenizer", Path.Combine(TokenizerFixtures.Directory("gpt2"), "tokenizer.json"), "--text-file", dir.File("text.txt"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("4 tokens from 25 characters", lines[0]);
        Assert.Equal(
            [$"{15496,8}          Hello", $"{995,8}           world", $"{198,8}          \\n", $"{50256,8}  special <|endoftext|>"],
            lines.Skip(1));
    }

    [Fact]
    public void UnsupportedTokenizer_IsAUserError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), "x");
        File.WriteAllText(dir.File("tokenizer.json"), """{"model": {"type": "Unigram", "vocab": []}}""");
        var r = RealmProcess.Run("tokenize", "--tokenizer", dir.Path, "--text-file", dir.File("text.txt"));
        RealmProcess.AssertUserError(r, dir.File("tokenizer.json"), "'Unigram' is not supported");
        r = RealmProcess.Run("tokenize", "--tokenizer", dir.Path, "--text-file", dir.File("missing.txt"));
        RealmProcess.AssertUserError(r, "missing.txt", "not found");
    }

    [Fact]
    public void TrainTokenizer_WritesATokenizerThatTokenizeLoads()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("corpus.jsonl"), Enumerable.Range(0, 50).Select(i => JsonSerializer.Serialize(new { text = $"step {i}: <verify>the sum is {i * 3}</verify>" })));
        var r = RealmProcess.Run("train-tokenizer", "--data", dir.File("corpus.jsonl"), "--out", dir.File("tok"), "--vocab-size", "270",
            "--special", "<verify>", "--special", "</verify>");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("vocab 270", r.Stdout);
        File.WriteAllText(dir.File("text.txt"), "<verify>the sum</verify>");
        var ids = Ids(RealmProcess.Run("tokenize", "--tokenizer", dir.File("tok"), "--text-file", dir.File("text.txt"), "--json").Stdout);
        Assert.Equal(259, ids[0]);
        Assert.Equal(260, ids[^1]);
        Assert.True(ids.Length < 10, $"{ids.Length} ids: merges were not learned");
    }

    [Theory]
    [InlineData("tokenize", "--no-parse-special")]
    [InlineData("train-tokenizer", "--vocab-size")]
    public void ExplainsItself(string command, string mentions)
    {
        var r = RealmProcess.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(mentions, r.Stdout);
    }

    private static int[] Ids(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Single(document.RootElement.EnumerateObject());
        return document.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
    }
}
