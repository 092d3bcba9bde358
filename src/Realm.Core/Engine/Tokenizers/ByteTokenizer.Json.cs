using System.Text.Encodings.Web;
using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// The Hugging Face form of a <see cref="ByteTokenizer"/>: a byte-level BPE with no merges, whose
/// vocabulary is the 256 byte characters and whose special tokens are added tokens. transformers'
/// PreTrainedTokenizerFast loads it and encodes exactly as <see cref="ByteTokenizer.Encode(string)"/>.
/// </summary>
public sealed partial class ByteTokenizer
{
    public const string ConfigFileName = "tokenizer_config.json";

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        // Keep the byte characters (Ā, Ġ, ...) readable instead of \u escapes; the files are never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        AtomicFile.Write(Path.Combine(directory, TokenizerLoader.FileName), WriteTokenizerJson);
        AtomicFile.Write(Path.Combine(directory, ConfigFileName), WriteTokenizerConfig);
    }

    private void WriteTokenizerJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, s_writerOptions);
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        for (int i = 0; i < _specialTokens.Length; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", ByteCount + i);
            WriteAddedTokenFields(json, _specialTokens[i]);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNull("normalizer");
        json.WritePropertyName("pre_tokenizer");
        WriteByteLevel(json);
        json.WriteNull("post_processor");
        json.WritePropertyName("decoder");
        WriteByteLevel(json);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        for (int b = 0; b < ByteCount; b++) json.WriteNumber(ByteLevelAlphabet.ToChar((byte)b).ToString(), b);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteEndObject();
    }

    // No prefix space and no regex split: the text maps to bytes one to one, as in Encode.
    private static void WriteByteLevel(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
        json.WriteEndObject();
    }

    private static void WriteAddedTokenFields(Utf8JsonWriter json, string content)
    {
        json.WriteString("content", content);
        json.WriteBoolean("single_word", false);
        json.WriteBoolean("lstrip", false);
        json.WriteBoolean("rstrip", false);
        json.WriteBoolean("normalized", false);
        json.WriteBoolean("special", true);
    }

    private void WriteTokenizerConfig(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, s_writerOptions);
        json.WriteStartObject();
        json.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        json.WriteString("bos_token", BosToken);
        json.WriteString("eos_token", EosToken);
        json.WriteString("pad_token", PadToken);
        json.WriteStartArray("additional_special_tokens");
        foreach (string token in _specialTokens.Skip(3)) json.WriteStringValue(token);
        json.WriteEndArray();
        json.WriteStartObject("added_tokens_decoder");
        for (int i = 0; i < _specialTokens.Length; i++)
        {
            json.WriteStartObject((ByteCount + i).ToString());
            WriteAddedTokenFields(json, _specialTokens[i]);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        json.WriteEndObject();
    }

    /// <summary>
    /// Rebuilds a ByteTokenizer from a tokenizer.json already known to be a BPE without merges, checking
    /// everything that would make Hugging Face encode differently from <see cref="Encode(string)"/>.
    /// </summary>
    internal static ByteTokenizer FromTokenizerJson(string path, JsonElement root)
    {
        CheckVocabulary(path, root.GetProperty("model"));
        CheckPreprocessing(path, root);
        return new ByteTokenizer(ReadExtraSpecialTokens(path, root));
    }

    private static void CheckVocabulary(string path, JsonElement model)
    {
        const string Expected = "only the 256-entry byte vocabulary written by ByteTokenizer is supported";
        if (!model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{path}: 'model.vocab' must be an object");
        int count = 0;
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            count++;
            bool isByteToken = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id)
                && entry.Name.Length == 1 && ByteLevelAlphabet.TryGetByte(entry.Name[0], out byte b) && b == id;
            if (!isByteToken)
                throw new RealmException(
                    $"{path}: vocab entry '{entry.Name}': {JsonFile.Describe(entry.Value)} is not a byte token ({Expected})");
        }
        if (count != ByteCount)
            throw new RealmException($"{path}: vocab has {count} entries ({Expected})");
    }

    private static void CheckPreprocessing(string path, JsonElement root)
    {
        if (root.TryGetProperty("normalizer", out JsonElement normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw new RealmException($"{path}: a normalizer is not supported with a byte-level vocabulary (got {JsonFile.Describe(normalizer)})");
        // transformers defaults add_prefix_space to true, which would change every encoding, so it must be explicit.
        bool isPlainByteLevel = root.TryGetProperty("pre_tokenizer", out JsonElement preTokenizer)
            && preTokenizer.ValueKind == JsonValueKind.Object
            && preTokenizer.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
            && type.GetString() == "ByteLevel"
            && preTokenizer.TryGetProperty("add_prefix_space", out JsonElement prefixSpace)
            && prefixSpace.ValueKind == JsonValueKind.False;
        if (!isPlainByteLevel)
            throw new RealmException(
                $"{path}: pre_tokenizer must be ByteLevel with add_prefix_space false, got {(preTokenizer.ValueKind == JsonValueKind.Undefined ? "none" : JsonFile.Describe(preTokenizer))}");
    }

    /// <summary>The added tokens must be ours: ids from 256 up, bos/eos/pad first, all special.</summary>
    private static List<string> ReadExtraSpecialTokens(string path, JsonElement root)
    {
        var tokens = new SortedDictionary<int, string>();
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind != JsonValueKind.Null)
        {
            if (added.ValueKind != JsonValueKind.Array)
                throw new RealmException($"{path}: 'added_tokens' must be a list");
            foreach (JsonElement token in added.EnumerateArray())
            {
                bool wellFormed = token.ValueKind == JsonValueKind.Object
                    && token.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out _)
                    && token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String;
                if (!wellFormed)
                    throw new RealmException($"{path}: added token {JsonFile.Describe(token)} needs an integer 'id' and a string 'content'");
                string text = token.GetProperty("content").GetString()!;
                if (!token.TryGetProperty("special", out JsonElement special) || special.ValueKind != JsonValueKind.True)
                    throw new RealmException($"{path}: added token '{text}' is not special; only special added tokens are supported");
                if (!tokens.TryAdd(token.GetProperty("id").GetInt32(), text))
                    throw new RealmException($"{path}: added token id {token.GetProperty("id").GetInt32()} is listed twice");
            }
        }

        string[] required = [BosToken, EosToken, PadToken];
        int expectedId = ByteCount;
        foreach (var (id, text) in tokens)
        {
            if (id != expectedId)
                throw new RealmException($"{path}: added token '{text}' has id {id}, expected {expectedId} (special tokens must follow the 256 bytes without gaps)");
            int index = id - ByteCount;
            if (index < required.Length && text != required[index])
                throw new RealmException($"{path}: added token {id} is '{text}', expected '{required[index]}'");
            expectedId++;
        }
        if (tokens.Count < required.Length)
            throw new RealmException($"{path}: missing added token '{required[tokens.Count]}' (id {ByteCount + tokens.Count})");
        return tokens.Values.Skip(required.Length).ToList();
    }
}
