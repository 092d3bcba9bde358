using System.Text.Json.Nodes;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

/// <summary>Behaviours of BpeTokenizer on small hand-made tokenizer.json files.</summary>
public class BpeTokenizerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// A byte-level BPE over the 256 bytes plus the merges given (each merged token gets the next id),
    /// GPT-2 pre-tokenization unless <paramref name="preTokenizer"/> says otherwise.
    /// </summary>
    private static JsonObject TokenizerJson(IEnumerable<string> merges, JsonArray? addedTokens = null, JsonNode? preTokenizer = null,
        bool ignoreMerges = false, bool mergesAsArrays = false)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.ToChar((byte)b).ToString()] = b;
        var mergeList = new JsonArray();
        foreach (string merge in merges)
        {
            string[] parts = merge.Split(' ');
            string merged = parts[0] + parts[1];
            if (!vocab.ContainsKey(merged)) vocab[merged] = vocab.Count;
            mergeList.Add(mergesAsArrays ? new JsonArray(parts[0], parts[1]) : merge);
        }
        return new JsonObject
        {
            ["added_tokens"] = addedTokens ?? new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer ?? ByteLevel(useRegex: true),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(useRegex: true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["ignore_merges"] = ignoreMerges, ["vocab"] = vocab, ["merges"] = mergeList,
            },
        };
    }

    private static JsonObject ByteLevel(bool useRegex, bool addPrefixSpace = false) =>
        new() { ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["use_regex"] = useRegex };

    private static JsonObject Added(int id, string content, bool special = true, bool lstrip = false, bool rstrip = false, bool singleWord = false) =>
        new()
        {
            ["id"] = id, ["content"] = content, ["special"] = special, ["lstrip"] = lstrip, ["rstrip"] = rstrip,
            ["single_word"] = singleWord, ["normalized"] = false,
        };

    private BpeTokenizer Load(JsonObject json, JsonObject? config = null)
    {
        File.WriteAllText(_temp.File("tokenizer.json"), json.ToJsonString());
        if (config != null) File.WriteAllText(_temp.File("tokenizer_config.json"), config.ToJsonString());
        return Assert.IsType<BpeTokenizer>(TokenizerLoader.Load(_temp.Path));
    }

    private static string[] Tokens(BpeTokenizer tokenizer, string text) =>
        tokenizer.Encode(text).Select(tokenizer.TokenToString).ToArray();

    [Fact]
    public void Merges_ApplyLowestRankFirst()
    {
        // "b c" outranks "a b", so "abc" becomes a + bc, never ab + c.
        var tokenizer = Load(TokenizerJson(["b c", "a b", "ab c"]));
        Assert.Equal(["a", "bc"], Tokens(tokenizer, "abc"));
        Assert.Equal(["ab"], Tokens(tokenizer, "ab"));
    }

    [Fact]
    public void Merges_AmongEqualPairs_TheLeftmostGoesFirst()
    {
        var tokenizer = Load(TokenizerJson(["a a"]));
        Assert.Equal(["aa", "aa", "a"], Tokens(tokenizer, "aaaaa"));
    }

    [Fact]
    public void Merges_CanBeWrittenAsArrays()
    {
        var strings = Load(TokenizerJson(["Ġ t", "h e", "Ġt he"]));
        var arrays = Load(TokenizerJson(["Ġ t", "h e", "Ġt he"], mergesAsArrays: true));
        Assert.Equal([" the"], Tokens(arrays, " the"));
        Assert.Equal(strings.Encode(" the the"), arrays.Encode(" the the"));
    }

    [Fact]
    public void IgnoreMerges_TakesAPieceThatIsInTheVocabWhole()
    {
        // Merge order would make "abc" a + bc, but with ignore_merges the vocab's "abc" wins.
        var json = TokenizerJson(["b c", "a b", "ab c"]);
        Assert.Equal(["a", "bc"], Tokens(Load(json), "abc"));
        json["model"]!["ignore_merges"] = true;
        Assert.Equal(["abc"], Tokens(Load(json), "abc"));
    }

    [Fact]
    public void Pieces_AreMergedSeparately()
    {
        // GPT-2 splits " the" and " cat": no merge crosses the boundary.
        var tokenizer = Load(TokenizerJson(["e Ġ", "Ġ c"]));
        Assert.Equal([" ", "t", "h", "e", " c", "a", "t"], Tokens(tokenizer, " the cat"));
    }

    [Fact]
    public void AddedTokens_LongestMatchWins_AndSpecialOnesCanStayText()
    {
        var tokenizer = Load(TokenizerJson([], new JsonArray(Added(256, "<a>"), Added(257, "<a><b>"), Added(258, "<c>", special: false))));
        Assert.Equal([257, 120, 256, 258], tokenizer.Encode("<a><b>x<a><c>"));
        // Without parsing, special tokens are text but the non-special <c> is still matched.
        Assert.Equal([.. "<a>".Select(c => (int)c), 258], tokenizer.Encode("<a><c>", parseSpecialTokens: false));
        Assert.True(tokenizer.IsSpecial(256));
        Assert.False(tokenizer.IsSpecial(258));
        Assert.Equal("x<c>", tokenizer.Decode([256, 120, 258], skipSpecialTokens: true));
        Assert.Equal("<a>x<c>", tokenizer.Decode([256, 120, 258]));
    }

    [Fact]
    public void AddedTokens_StripAndSingleWord()
    {
        var tokenizer = Load(TokenizerJson([], new JsonArray(
            Added(256, "<l>", lstrip: true), Added(257, "<r>", rstrip: true), Added(258, "wx", singleWord: true))));
        Assert.Equal([120, 256, 121], tokenizer.Encode("x  \t<l>y"));        // the spaces before <l> belong to it
        Assert.Equal([120, 257, 121], tokenizer.Encode("x<r>  \ny"));        // the whitespace after <r> too
        Assert.Equal([32, 258, 32], tokenizer.Encode(" wx "));                     // a word on its own
        Assert.Equal([32, 119, 120, 119, 120, 32], tokenizer.Encode(" wxwx "));    // inside a word: plain text
        Assert.Equal([120, 119, 120], tokenizer.Encode("xwx"));
    }

    [Fact]
    public void AddedTokens_NumberedAsHuggingFaceDoes_NotAsTheFileSays()
    {
        // One in the vocab keeps its vocab id; the others follow the vocab whatever "id" says.
        var tokenizer = Load(TokenizerJson([], new JsonArray(Added(7, "<x>"), Added(99, "a"), Added(5, "<y>"))));
        Assert.Equal([256, 97, 257], tokenizer.Encode("<x>a<y>"));
        Assert.Equal(258, tokenizer.VocabSize);
    }

    [Theory]
    [InlineData("Isolated", false, new[] { "a", "-", "b", "-", "-", "c" })]
    [InlineData("Removed", false, new[] { "a", "b", "c" })]
    [InlineData("MergedWithPrevious", false, new[] { "a-", "b-", "-", "c" })]
    [InlineData("MergedWithNext", false, new[] { "a", "-b", "-", "-c" })]
    [InlineData("Contiguous", false, new[] { "a", "-", "b", "--", "c" })]
    [InlineData("Isolated", true, new[] { "a", "-", "b", "-", "-", "c" })]
    [InlineData("Removed", true, new[] { "-", "-", "-" })]
    public void SplitBehaviors(string behavior, bool invert, string[] pieces)
    {
        // Every two-char piece has a merge, so each piece comes out as exactly one token.
        var preTokenizer = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["String"] = "-" }, ["behavior"] = behavior, ["invert"] = invert },
                ByteLevel(useRegex: false)),
        };
        var tokenizer = Load(TokenizerJson(["a -", "- b", "b -", "- -", "- c"], preTokenizer: preTokenizer));
        Assert.Equal(pieces, Tokens(tokenizer, "a-b--c"));
    }

    [Fact]
    public void PrefixSpace_IsAddedToEachPiece()
    {
        var tokenizer = Load(TokenizerJson([], preTokenizer: ByteLevel(useRegex: false, addPrefixSpace: true)));
        Assert.Equal([32, 120], tokenizer.Encode("x"));
        Assert.Equal([32, 120], tokenizer.Encode(" x"));
    }

    [Fact]
    public void AstralLettersMatchLetterClasses()
    {
        // \p{L}+ must take "𝐀𝐁" as a whole: two code points, four UTF-16 chars, eight bytes, one piece.
        var tokenizer = Load(TokenizerJson([]));
        var regex = new OnigurumaRegex(ByteLevelPreTokenizer.Gpt2Pattern);
        var matches = new List<(int, int)>();
        regex.FindMatches(" 𝐀𝐁 😀x", matches);
        Assert.Equal([(0, 5), (5, 8), (8, 9)], matches);
        Assert.Equal(" 𝐀𝐁 😀x", tokenizer.Decode(tokenizer.Encode(" 𝐀𝐁 😀x")));
    }

    [Fact]
    public void CaseInsensitiveGroups_FoldLongSAndKelvinAsOniguruma()
    {
        Assert.Equal("(?i:'[sſ]|'[kK]|'t)|s", OnigurumaRegex.Translate("(?i:'s|'K|'t)|s"));
        Assert.Equal(@"[(?i:s)]\(?i:s(?i)[sſ]", OnigurumaRegex.Translate(@"[(?i:s)]\(?i:s(?i)s"));
    }

    [Fact]
    public void StandInCharacters_HaveTheirCategories()
    {
        foreach (var category in Enum.GetValues<System.Globalization.UnicodeCategory>())
        {
            if (category is System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.OtherNotAssigned) continue;
            char standIn = OnigurumaRegex.StandInFor(category);
            Assert.Equal(category, char.GetUnicodeCategory(standIn));
            Assert.True(standIn > 0x7F, $"{category}: stand-in must not be ASCII");
        }
    }

    [Fact]
    public void LoneSurrogates_EncodeAsTheReplacementCharacter()
    {
        var tokenizer = Load(TokenizerJson([]));
        Assert.Equal(tokenizer.Encode("a\uFFFDb"), tokenizer.Encode("a\uD83Db"));
        Assert.Equal([0xEF, 0xBF, 0xBD], tokenizer.Encode("\uDC00"));
    }

    [Fact]
    public void Decode_InvalidUtf8BecomesReplacementCharacters()
    {
        var tokenizer = Load(TokenizerJson([]));
        Assert.Equal("a\uFFFDb", tokenizer.Decode([97, 0xE4, 0xB8, 98]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([256]));
    }

    [Fact]
    public void TokenToString_IsReadable()
    {
        var tokenizer = Load(TokenizerJson(["Ġ h", "Ġh i", "Ċ Ċ"], new JsonArray(Added(259, "<s>"))));
        Assert.Equal(" hi", tokenizer.TokenToString(tokenizer.Encode(" hi").Single()));
        Assert.Equal("\\n\\n", tokenizer.TokenToString(tokenizer.Encode("\n\n").Single()));
        Assert.Equal("<0xE4>", tokenizer.TokenToString(0xE4));
        Assert.Equal("<0x00>", tokenizer.TokenToString(0));
        Assert.Equal("<s>", tokenizer.TokenToString(259));
    }

    [Fact]
    public void Config_NamesTheSpecialTokensAndKeepsTheChatTemplate()
    {
        var tokenizer = Load(TokenizerJson([], new JsonArray(Added(256, "<s>"), Added(257, "</s>"))), new JsonObject
        {
            ["bos_token"] = new JsonObject { ["content"] = "<s>" }, ["eos_token"] = "</s>", ["pad_token"] = null,
            ["add_bos_token"] = true, ["chat_template"] = "{{ messages }}",
        });
        Assert.Equal(256, tokenizer.BosId);
        Assert.Equal(257, tokenizer.EosId);
        Assert.Null(tokenizer.PadId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal("{{ messages }}", tokenizer.ChatTemplate);
        Assert.Equal("<s>", tokenizer.BosToken);
    }

    [Fact]
    public void TemplatePostProcessor_AddsItsTokensOnlyWhenAsked()
    {
        var json = TokenizerJson([], new JsonArray(Added(256, "<s>"), Added(257, "</s>")));
        json["post_processor"] = JsonNode.Parse("""
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
               "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [256], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [257], "tokens": ["</s>"]}}}]}
            """);
        var tokenizer = Load(json);
        Assert.Equal([120], tokenizer.Encode("x"));
        Assert.Equal([256, 120, 257], tokenizer.WithSpecialTokens(tokenizer.Encode("x")));
    }

    [Fact]
    public void Save_WritesTheFilesItWasLoadedFrom()
    {
        var json = TokenizerJson(["a b"], new JsonArray(Added(257, "<s>")));
        var tokenizer = Load(json, new JsonObject { ["bos_token"] = "<s>" });
        using var saved = new TempDirectory();
        tokenizer.Save(saved.Path);
        Assert.Equal(File.ReadAllBytes(_temp.File("tokenizer.json")), File.ReadAllBytes(saved.File("tokenizer.json")));
        Assert.Equal(File.ReadAllBytes(_temp.File("tokenizer_config.json")), File.ReadAllBytes(saved.File("tokenizer_config.json")));
        Assert.Equal(tokenizer.Encode("<s>ab"), TokenizerLoader.Load(saved.Path).Encode("<s>ab"));
    }

    [Fact]
    public void Save_WithoutAConfig_WritesOne()
    {
        var tokenizer = Load(TokenizerJson([], new JsonArray(Added(256, "<|endoftext|>"))));
        using var saved = new TempDirectory();
        tokenizer.Save(saved.Path);
        Assert.Contains("\"bos_token\": null", File.ReadAllText(saved.File("tokenizer_config.json")));
        Assert.Contains("<|endoftext|>", File.ReadAllText(saved.File("tokenizer_config.json")));
        Assert.Equal(tokenizer.Encode("a<|endoftext|>"), TokenizerLoader.Load(saved.Path).Encode("a<|endoftext|>"));
    }

    [Fact]
    public void ByteTokenizerFiles_EncodeTheSameAsBpe()
    {
        var byteTokenizer = new ByteTokenizer("<verify>");
        byteTokenizer.Save(_temp.Path);
        var bpe = BpeTokenizer.Load(_temp.Path);
        string text = "<|bos|>x ≤ 3 🙂 <verify>ok\r\n\t<|eos|>";
        Assert.Equal(byteTokenizer.Encode(text), bpe.Encode(text));
        Assert.Equal(byteTokenizer.Encode(text, parseSpecialTokens: false), bpe.Encode(text, parseSpecialTokens: false));
        Assert.Equal(byteTokenizer.VocabSize, bpe.VocabSize);
        Assert.Equal(byteTokenizer.BosId, bpe.BosId);
    }

    [Theory]
    [InlineData("pre_tokenizer", """{"type": "Whitespace"}""", "pre-tokenizer 'Whitespace' is not supported")]
    [InlineData("pre_tokenizer", """{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": false}, {"type": "Split", "pattern": {"String": "x"}, "behavior": "Isolated"}]}""", "ByteLevel, alone or last")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "a++"}, "behavior": "Isolated"}""", "not supported by .NET regular expressions")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways"}""", "Split behavior 'Sideways' is not one of")]
    [InlineData("pre_tokenizer", "null", "no pre_tokenizer")]
    [InlineData("normalizer", """{"type": "NFKC"}""", "normalizer 'NFKC' is not supported (only NFC or none)")]
    [InlineData("decoder", """{"type": "Metaspace"}""", "byte-level BPE needs the ByteLevel decoder")]
    [InlineData("post_processor", """{"type": "RobertaProcessing"}""", "post_processor 'RobertaProcessing' is not supported")]
    public void UnsupportedParts_AreClearErrors(string field, string value, string expected)
    {
        var json = TokenizerJson([]);
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(_temp.File("tokenizer.json"), json.ToJsonString());
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.StartsWith(_temp.File("tokenizer.json") + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("""{"type": "WordPiece", "vocab": {}}""", "tokenizer model type 'WordPiece' is not supported")]
    [InlineData("""{"type": "BPE", "vocab": {}, "merges": []}""", "the vocab has no token for byte 0x00")]
    [InlineData("""{"type": "BPE", "vocab": {"a": "x"}, "merges": []}""", "vocab entry 'a': \"x\" is not a non-negative integer id")]
    [InlineData("""{"type": "BPE", "vocab": {}, "merges": [1]}""", "merge 0 1 is neither")]
    [InlineData("""{"type": "BPE", "vocab": {}, "merges": [], "dropout": 0.1}""", "dropout is not supported")]
    [InlineData("""{"type": "BPE", "vocab": {}, "merges": [], "continuing_subword_prefix": "##"}""", "continuing_subword_prefix '##' is not supported")]
    public void UnsupportedModels_AreClearErrors(string model, string expected)
    {
        var json = TokenizerJson([]);
        json["model"] = JsonNode.Parse(model);
        File.WriteAllText(_temp.File("tokenizer.json"), json.ToJsonString());
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.StartsWith(_temp.File("tokenizer.json") + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void BadConfig_NamesTheConfigFile()
    {
        File.WriteAllText(_temp.File("tokenizer.json"), TokenizerJson([]).ToJsonString());
        File.WriteAllText(_temp.File("tokenizer_config.json"), """{"bos_token": 3}""");
        var error = Assert.Throws<RealmException>(() => TokenizerLoader.Load(_temp.Path));
        Assert.Equal($"{_temp.File("tokenizer_config.json")}: 'bos_token' must be a string or an object with a string 'content', got 3", error.Message);
    }
}
