using System.Text.Json;
using System.Text.Json.Nodes;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

public class TokenizerJsonTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SaveThenLoad_GivesTheSameTokenizer()
    {
        var original = new ByteTokenizer("<verify>", "</verify>");
        original.Save(_temp.Path);

        ITokenizer loaded = TokenizerLoader.Load(_temp.Path);

        var byteTokenizer = Assert.IsType<ByteTokenizer>(loaded);
        Assert.Equal(original.SpecialTokens, byteTokenizer.SpecialTokens);
        string text = "<|bos|>x ≤ 3 🙂<verify>ok</verify><|eos|>";
        Assert.Equal(original.Encode(text), loaded.Encode(text));
        Assert.Equal(text, loaded.Decode(loaded.Encode(text)));
    }

    [Fact]
    public void Load_AcceptsThePathOfTheFileItself()
    {
        new ByteTokenizer().Save(_temp.Path);
        Assert.Equal(259, TokenizerLoader.Load(_temp.File("tokenizer.json")).VocabSize);
    }

    [Fact]
    public void TokenizerJson_HasTheHuggingFaceStructure()
    {
        new ByteTokenizer("<verify>").Save(_temp.Path);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(_temp.File("tokenizer.json")));
        JsonElement root = document.RootElement;

        Assert.Equal(
            ["version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("normalizer").ValueKind);

        JsonElement[] added = root.GetProperty("added_tokens").EnumerateArray().ToArray();
        Assert.Equal([256, 257, 258, 259], added.Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal(["<|bos|>", "<|eos|>", "<|pad|>", "<verify>"], added.Select(t => t.GetProperty("content").GetString()));
        Assert.All(added, t => Assert.True(t.GetProperty("special").GetBoolean()));
        Assert.All(added, t => Assert.False(t.GetProperty("normalized").GetBoolean()));

        foreach (string key in new[] { "pre_tokenizer", "decoder" })
        {
            JsonElement byteLevel = root.GetProperty(key);
            Assert.Equal("ByteLevel", byteLevel.GetProperty("type").GetString());
            Assert.False(byteLevel.GetProperty("add_prefix_space").GetBoolean());
            Assert.False(byteLevel.GetProperty("use_regex").GetBoolean());
        }

        JsonElement model = root.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.Equal(0, model.GetProperty("merges").GetArrayLength());
        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(256, vocab.Count);
        Assert.Equal(Enumerable.Range(0, 256), vocab.Values.Order());
        // GPT-2's bytes_to_unicode: printable Latin-1 maps to itself, the rest to U+0100 onwards.
        Assert.Equal(33, vocab["!"]);
        Assert.Equal(126, vocab["~"]);
        Assert.Equal(255, vocab["ÿ"]);
        Assert.Equal(0, vocab["Ā"]);   // U+0100
        Assert.Equal(10, vocab["Ċ"]);  // U+010A
        Assert.Equal(32, vocab["Ġ"]);  // U+0120
        Assert.Equal(127, vocab["ġ"]); // U+0121
        Assert.Equal(173, vocab["Ń"]); // U+0143, soft hyphen
    }

    [Fact]
    public void TokenizerConfigJson_NamesTheSpecialTokens()
    {
        new ByteTokenizer("<verify>").Save(_temp.Path);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(_temp.File("tokenizer_config.json")));
        JsonElement root = document.RootElement;

        Assert.Equal("PreTrainedTokenizerFast", root.GetProperty("tokenizer_class").GetString());
        Assert.Equal("<|bos|>", root.GetProperty("bos_token").GetString());
        Assert.Equal("<|eos|>", root.GetProperty("eos_token").GetString());
        Assert.Equal("<|pad|>", root.GetProperty("pad_token").GetString());
        Assert.Equal(["<verify>"], root.GetProperty("additional_special_tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("<verify>", root.GetProperty("added_tokens_decoder").GetProperty("259").GetProperty("content").GetString());
    }

    [Fact]
    public void Load_MissingFile()
    {
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.Equal($"{_temp.File("tokenizer.json")}: file not found", error.Message);
    }

    [Fact]
    public void Load_MalformedJson()
    {
        File.WriteAllText(_temp.File("tokenizer.json"), "{\"model\": {\"type\": \"BPE\",\n}");
        AssertLoadFails("invalid JSON at line");
    }

    [Fact]
    public void Load_MergeOfUnknownTokens()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["merges"] = new JsonArray("Ġ t"), "merge 0 'Ġ t': 'Ġt' is not in the vocab");
    }

    [Fact]
    public void Load_OtherModelTypes()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["type"] = "Unigram", "tokenizer model type 'Unigram' is not supported");
    }

    [Fact]
    public void Load_VocabMissingAByte()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["vocab"]!.AsObject().Remove("a"), "the vocab has no token for byte 0x61 ('a')");
    }

    [Fact]
    public void Load_UnsupportedNormalizer()
    {
        AssertLoadFailsAfterEdit(root => root["normalizer"] = new JsonObject { ["type"] = "Lowercase" }, "normalizer 'Lowercase' is not supported");
    }

    // Files that are no longer exactly ByteTokenizer's are still byte-level BPE: BpeTokenizer takes them.

    [Fact]
    public void Load_PrefixSpace_GivesABpeTokenizerThatAddsTheSpace()
    {
        var tokenizer = LoadAfterEdit(root => root["pre_tokenizer"]!["add_prefix_space"] = true);
        Assert.Equal([32, 104, 105], tokenizer.Encode("hi"));
    }

    [Fact]
    public void Load_Nfc_GivesABpeTokenizerThatNormalizes()
    {
        var tokenizer = LoadAfterEdit(root => root["normalizer"] = new JsonObject { ["type"] = "NFC" });
        Assert.Equal(tokenizer.Encode("é"), tokenizer.Encode("e\u0301"));
        Assert.Equal([0xC3, 0xA9], tokenizer.Encode("e\u0301"));
    }

    [Fact]
    public void Load_VocabWithAWordToken_NumbersTheAddedTokensAfterTheVocabAsHuggingFaceDoes()
    {
        var tokenizer = LoadAfterEdit(root => root["model"]!["vocab"]!["the"] = 300);
        // 257 vocab entries: Hugging Face ignores the ids in added_tokens and numbers them from there.
        Assert.Equal(257, tokenizer.BosId);
        Assert.Equal([257, 116, 104, 101], tokenizer.Encode("<|bos|>the")); // no merges, so never the word token
        Assert.Equal(301, tokenizer.VocabSize);
    }

    [Fact]
    public void Load_AddedTokensOutOfOrder_KeepsTheirContents()
    {
        EditSavedFile(root => root["added_tokens"]![0]!["content"] = "<s>");
        File.Delete(_temp.File("tokenizer_config.json")); // it names <|bos|>, which is gone
        var tokenizer = Assert.IsType<BpeTokenizer>(TokenizerLoader.Load(_temp.Path));
        Assert.Null(tokenizer.BosId);
        Assert.Equal([256, 120], tokenizer.Encode("<s>x"));
        Assert.Equal("<|bos|>".Select(c => (int)c), tokenizer.Encode("<|bos|>"));
    }

    [Fact]
    public void Load_NonSpecialAddedToken()
    {
        var tokenizer = LoadAfterEdit(root => root["added_tokens"]![1]!["special"] = false);
        Assert.False(tokenizer.IsSpecial(257));
        Assert.True(tokenizer.IsSpecial(256));
        Assert.Equal([257], tokenizer.Encode("<|eos|>", parseSpecialTokens: false)); // only special ones stay text
    }

    [Fact]
    public void Load_ConfigNamingAMissingToken()
    {
        EditSavedFile(root => root["added_tokens"]!.AsArray().RemoveAt(2));
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.Equal($"{_temp.File("tokenizer_config.json")}: pad_token '<|pad|>' is not in the vocabulary", error.Message);

        File.Delete(_temp.File("tokenizer_config.json"));
        var tokenizer = Assert.IsType<BpeTokenizer>(TokenizerLoader.Load(_temp.Path));
        Assert.Equal(258, tokenizer.VocabSize);
        Assert.Equal("<|pad|>".Select(c => (int)c), tokenizer.Encode("<|pad|>"));
    }

    private BpeTokenizer LoadAfterEdit(Action<JsonNode> edit)
    {
        EditSavedFile(edit);
        return Assert.IsType<BpeTokenizer>(TokenizerLoader.Load(_temp.Path));
    }

    private void EditSavedFile(Action<JsonNode> edit)
    {
        new ByteTokenizer().Save(_temp.Path);
        string path = _temp.File("tokenizer.json");
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    private void AssertLoadFailsAfterEdit(Action<JsonNode> edit, string expected)
    {
        EditSavedFile(edit);
        AssertLoadFails(expected);
    }

    private void AssertLoadFails(string expected)
    {
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.StartsWith(_temp.File("tokenizer.json") + ": ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
