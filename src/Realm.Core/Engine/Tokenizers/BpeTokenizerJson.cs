using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>The parts of a byte-level BPE tokenizer, as read from a Hugging Face tokenizer.json.</summary>
internal sealed record BpeTokenizerParts(
    BpeModel Model, IReadOnlyList<AddedToken> AddedTokens, bool Nfc, IReadOnlyList<PreTokenizer> PreTokenizers,
    TemplatePostProcessor PostProcessor);

/// <summary>
/// Reads a tokenizer.json into <see cref="BpeTokenizerParts"/>, accepting exactly what GPT-2, Qwen2/2.5/3
/// and Llama-3 use and naming the file and the field for anything else. <c>truncation</c> and
/// <c>padding</c> are ignored: encoding returns every id.
/// </summary>
internal sealed class BpeTokenizerJson
{
    private readonly string _path;

    private BpeTokenizerJson(string path) => _path = path;

    public static BpeTokenizerParts Read(string path, JsonElement root) => new BpeTokenizerJson(path).Read(root);

    private BpeTokenizerParts Read(JsonElement root)
    {
        JsonElement model = Required(root, "model", JsonValueKind.Object);
        // GPT-2's tokenizer.json predates the "type" field.
        string type = Optional(model, "type") is { ValueKind: JsonValueKind.String } t ? t.GetString()! : "BPE";
        if (type != "BPE")
            throw Fail($"tokenizer model type '{type}' is not supported (only byte-level BPE)");
        var vocab = ReadVocab(model);
        var addedTokens = ReadAddedTokens(root, vocab);
        bool nfc = ReadNormalizer(Optional(root, "normalizer"));
        var preTokenizers = ReadPreTokenizers(Optional(root, "pre_tokenizer"));
        var postProcessor = ReadPostProcessor(Optional(root, "post_processor"));
        CheckDecoder(Optional(root, "decoder"));
        return new BpeTokenizerParts(ReadModel(model, vocab), addedTokens, nfc, preTokenizers, postProcessor);
    }

    /// <summary>
    /// The added tokens with the ids Hugging Face gives them, which ignores the ids in the file: a token
    /// in the vocab keeps its vocab id, any other takes the next id from the vocab's size on.
    /// </summary>
    private List<AddedToken> ReadAddedTokens(JsonElement root, Dictionary<string, int> vocab)
    {
        var tokens = new List<AddedToken>();
        if (Optional(root, "added_tokens") is not { ValueKind: not JsonValueKind.Null } added) return tokens;
        if (added.ValueKind != JsonValueKind.Array) throw Fail("'added_tokens' must be a list");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int? maxId = null;
        foreach (JsonElement token in added.EnumerateArray())
        {
            bool wellFormed = token.ValueKind == JsonValueKind.Object
                && token.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out int value) && value >= 0
                && token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0;
            if (!wellFormed)
                throw Fail($"added token {JsonFile.Describe(token)} needs a non-negative integer 'id' and a non-empty string 'content'");
            string text = token.GetProperty("content").GetString()!;
            if (!ids.TryGetValue(text, out int assigned) && !vocab.TryGetValue(text, out assigned))
                assigned = maxId is int max && max >= vocab.Count ? max + 1 : vocab.Count;
            ids[text] = assigned;
            maxId = Math.Max(maxId ?? assigned, assigned);

            bool special = Flag(token, "special", false);
            tokens.RemoveAll(previous => previous.Content == text); // a repeated token replaces the earlier one
            tokens.Add(new AddedToken(
                assigned, text, special,
                SingleWord: Flag(token, "single_word", false), LeftStrip: Flag(token, "lstrip", false),
                RightStrip: Flag(token, "rstrip", false), Normalized: Flag(token, "normalized", !special)));
        }
        return tokens;
    }

    private Dictionary<string, int> ReadVocab(JsonElement model)
    {
        JsonElement vocab = Required(model, "vocab", JsonValueKind.Object, "model.vocab");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw Fail($"vocab entry '{entry.Name}': {JsonFile.Describe(entry.Value)} is not a non-negative integer id");
            result[entry.Name] = id;
        }
        return result;
    }

    private BpeModel ReadModel(JsonElement model, Dictionary<string, int> vocab)
    {
        if (Optional(model, "dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() != 0)
            throw Fail("BPE dropout is not supported (model.dropout must be null)");
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (Optional(model, affix) is { ValueKind: JsonValueKind.String } value && value.GetString() != "")
                throw Fail($"model.{affix} '{value.GetString()}' is not supported (byte-level BPE has none)");

        JsonElement mergeList = Required(model, "merges", JsonValueKind.Array, "model.merges");
        var merges = new List<(string, string)>(mergeList.GetArrayLength());
        foreach (JsonElement merge in mergeList.EnumerateArray()) merges.Add(ReadMerge(merge, merges.Count));
        try
        {
            return new BpeModel(vocab, merges, Flag(model, "ignore_merges", false));
        }
        catch (FormatException e)
        {
            throw Fail(e.Message);
        }
    }

    // Older files write a merge as "left right", newer ones as ["left", "right"].
    private (string, string) ReadMerge(JsonElement merge, int index)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            string[] parts = merge.GetString()!.Split(' ');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0) return (parts[0], parts[1]);
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }
        throw Fail($"merge {index} {JsonFile.Describe(merge)} is neither \"left right\" nor [\"left\", \"right\"]");
    }

    /// <summary>True for NFC; false for none.</summary>
    private bool ReadNormalizer(JsonElement? normalizer)
    {
        if (normalizer is not { ValueKind: not JsonValueKind.Null } value) return false;
        string type = TypeOf(value, "normalizer");
        if (type == "NFC") return true;
        if (type == "Sequence")
        {
            var steps = Required(value, "normalizers", JsonValueKind.Array, "normalizer.normalizers").EnumerateArray().Select(step => ReadNormalizer(step)).ToList();
            return steps.Any(nfc => nfc);
        }
        throw Fail($"normalizer '{type}' is not supported (only NFC or none)");
    }

    private List<PreTokenizer> ReadPreTokenizers(JsonElement? preTokenizer)
    {
        const string Supported = "byte-level BPE needs ByteLevel, alone or last in a Sequence after Split steps";
        if (preTokenizer is not { ValueKind: not JsonValueKind.Null } value)
            throw Fail($"no pre_tokenizer ({Supported})");
        var steps = new List<PreTokenizer>();
        AddPreTokenizer(value, steps);
        if (steps.Count(step => step is ByteLevelPreTokenizer) != 1 || steps[^1] is not ByteLevelPreTokenizer)
            throw Fail($"pre_tokenizer {JsonFile.Describe(value)} is not supported ({Supported})");
        return steps;
    }

    private void AddPreTokenizer(JsonElement value, List<PreTokenizer> steps)
    {
        string type = TypeOf(value, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
                foreach (JsonElement step in Required(value, "pretokenizers", JsonValueKind.Array, "pre_tokenizer.pretokenizers").EnumerateArray())
                    AddPreTokenizer(step, steps);
                break;
            case "ByteLevel":
                // Hugging Face's ByteLevel defaults: a prefix space, and GPT-2's pattern.
                steps.Add(new ByteLevelPreTokenizer(Flag(value, "add_prefix_space", true), Flag(value, "use_regex", true)));
                break;
            case "Split":
                steps.Add(ReadSplit(value));
                break;
            default:
                throw Fail($"pre-tokenizer '{type}' is not supported (only ByteLevel, Split and Sequence)");
        }
    }

    private SplitPreTokenizer ReadSplit(JsonElement split)
    {
        JsonElement pattern = Required(split, "pattern", JsonValueKind.Object, "Split.pattern");
        string regex;
        if (pattern.TryGetProperty("Regex", out JsonElement r) && r.ValueKind == JsonValueKind.String) regex = r.GetString()!;
        else if (pattern.TryGetProperty("String", out JsonElement s) && s.ValueKind == JsonValueKind.String) regex = System.Text.RegularExpressions.Regex.Escape(s.GetString()!);
        else throw Fail($"Split pattern {JsonFile.Describe(pattern)} must be {{\"Regex\": ...}} or {{\"String\": ...}}");

        string behaviorName = Optional(split, "behavior") is { ValueKind: JsonValueKind.String } b ? b.GetString()! : "(none)";
        if (!Enum.TryParse(behaviorName, out SplitBehavior behavior) || !Enum.IsDefined(behavior))
            throw Fail($"Split behavior '{behaviorName}' is not one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");
        try
        {
            return new SplitPreTokenizer(new OnigurumaRegex(regex), behavior, Flag(split, "invert", false));
        }
        catch (ArgumentException e)
        {
            throw Fail($"Split pattern '{regex}' is not supported by .NET regular expressions: {e.Message}");
        }
    }

    private TemplatePostProcessor ReadPostProcessor(JsonElement? processor)
    {
        if (processor is not { ValueKind: not JsonValueKind.Null } value) return TemplatePostProcessor.None;
        string type = TypeOf(value, "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return TemplatePostProcessor.None; // only adjusts offsets
            case "TemplateProcessing":
                return ReadTemplate(value);
            case "Sequence":
                var templates = Required(value, "processors", JsonValueKind.Array, "post_processor.processors").EnumerateArray()
                    .Select(step => ReadPostProcessor(step))
                    .Where(template => template != TemplatePostProcessor.None)
                    .ToList();
                if (templates.Count > 1) throw Fail("post_processor has more than one TemplateProcessing");
                return templates.SingleOrDefault() ?? TemplatePostProcessor.None;
            default:
                throw Fail($"post_processor '{type}' is not supported (only TemplateProcessing, ByteLevel and Sequence)");
        }
    }

    /// <summary>The single-sequence template: special tokens around <c>$A</c>.</summary>
    private TemplatePostProcessor ReadTemplate(JsonElement template)
    {
        JsonElement specials = Required(template, "special_tokens", JsonValueKind.Object, "post_processor.special_tokens");
        List<int> before = [], after = [];
        bool seenSequence = false;
        foreach (JsonElement item in Required(template, "single", JsonValueKind.Array, "post_processor.single").EnumerateArray())
        {
            if (item.TryGetProperty("Sequence", out _))
            {
                seenSequence = true;
                continue;
            }
            if (!item.TryGetProperty("SpecialToken", out JsonElement special) || !special.TryGetProperty("id", out JsonElement name)
                || name.ValueKind != JsonValueKind.String)
                throw Fail($"post_processor template item {JsonFile.Describe(item)} is neither a Sequence nor a SpecialToken");
            if (!specials.TryGetProperty(name.GetString()!, out JsonElement entry) || !entry.TryGetProperty("ids", out JsonElement ids)
                || ids.ValueKind != JsonValueKind.Array)
                throw Fail($"post_processor template token '{name.GetString()}' has no ids in special_tokens");
            (seenSequence ? after : before).AddRange(ids.EnumerateArray().Select(id => id.GetInt32()));
        }
        return new TemplatePostProcessor([.. before], [.. after]);
    }

    private void CheckDecoder(JsonElement? decoder)
    {
        if (decoder is { ValueKind: JsonValueKind.Object } value && TypeOf(value, "decoder") == "ByteLevel") return;
        throw Fail($"decoder {(decoder is { } d ? JsonFile.Describe(d) : "(none)")} is not supported (byte-level BPE needs the ByteLevel decoder)");
    }

    private string TypeOf(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : throw Fail($"{what} {JsonFile.Describe(value)} has no string 'type'");

    private static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) ? value : null;

    private JsonElement Required(JsonElement parent, string name, JsonValueKind kind, string? path = null)
    {
        if (parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == kind) return value;
        string article = kind == JsonValueKind.Array ? "a list" : "an object";
        throw Fail($"'{path ?? name}' must be {article}");
    }

    private bool Flag(JsonElement parent, string name, bool fallback)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail($"'{name}' must be true or false, got {JsonFile.Describe(value)}"),
        };
    }

    private RealmException Fail(string message) => new($"{_path}: {message}");
}
