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
    public void Load_BpeWithMerges()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["merges"] = new JsonArray("Ġ t"),
            "BPE tokenizers with merges are not supported yet");
    }

    [Fact]
    public void Load_OtherModelTypes()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["type"] = "Unigram", "tokenizer model type 'Unigram' is not supported");
    }

    [Fact]
    public void Load_VocabWithAWordToken()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["vocab"]!["the"] = 300, "vocab entry 'the': 300 is not a byte token");
    }

    [Fact]
    public void Load_VocabWithAWrongByteId()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["vocab"]!["a"] = 98, "vocab entry 'a': 98 is not a byte token");
    }

    [Fact]
    public void Load_VocabMissingAByte()
    {
        AssertLoadFailsAfterEdit(root => root["model"]!["vocab"]!.AsObject().Remove("a"), "vocab has 255 entries");
    }

    [Fact]
    public void Load_PrefixSpace()
    {
        AssertLoadFailsAfterEdit(root => root["pre_tokenizer"]!["add_prefix_space"] = true,
            "pre_tokenizer must be ByteLevel with add_prefix_space false");
    }

    [Fact]
    public void Load_Normalizer()
    {
        AssertLoadFailsAfterEdit(root => root["normalizer"] = new JsonObject { ["type"] = "NFC" }, "a normalizer is not supported");
    }

    [Fact]
    public void Load_AddedTokensOutOfOrder()
    {
        AssertLoadFailsAfterEdit(root => root["added_tokens"]![0]!["content"] = "<s>", "added token 256 is '<s>', expected '<|bos|>'");
    }

    [Fact]
    public void Load_AddedTokenWithAGap()
    {
        AssertLoadFailsAfterEdit(root => root["added_tokens"]![2]!["id"] = 300, "added token '<|pad|>' has id 300, expected 258");
    }

    [Fact]
    public void Load_NonSpecialAddedToken()
    {
        AssertLoadFailsAfterEdit(root => root["added_tokens"]![1]!["special"] = false, "added token '<|eos|>' is not special");
    }

    [Fact]
    public void Load_MissingPadToken()
    {
        AssertLoadFailsAfterEdit(root => root["added_tokens"]!.AsArray().RemoveAt(2), "missing added token '<|pad|>' (id 258)");
    }

    private void AssertLoadFailsAfterEdit(Action<JsonNode> edit, string expected)
    {
        new ByteTokenizer().Save(_temp.Path);
        string path = _temp.File("tokenizer.json");
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
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
