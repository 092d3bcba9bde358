using System.Diagnostics.CodeAnalysis;
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
    /// Rebuilds a ByteTokenizer from a tokenizer.json if the file is exactly the shape <see cref="Save"/>
    /// writes (a BPE without merges over the 256 byte tokens, no regex split, our special tokens from id
    /// 256 on); anything else is left to <see cref="BpeTokenizer"/>, which encodes such files the same way.
    /// </summary>
    internal static bool TryFromTokenizerJson(JsonElement root, [NotNullWhen(true)] out ByteTokenizer? tokenizer)
    {
        tokenizer = null;
        if (!root.TryGetProperty("model", out JsonElement model) || !HasByteVocabularyOnly(model) || !HasPlainPreprocessing(root)
            || ReadSpecialTokens(root) is not { } specials)
            return false;
        string[] required = [BosToken, EosToken, PadToken];
        if (specials.Count < required.Length || !specials.Take(required.Length).SequenceEqual(required)) return false;
        tokenizer = new ByteTokenizer(specials.Skip(required.Length));
        return true;
    }

    private static bool HasByteVocabularyOnly(JsonElement model)
    {
        if (!IsString(model, "type", "BPE") || !model.TryGetProperty("merges", out JsonElement merges)
            || merges.ValueKind != JsonValueKind.Array || merges.GetArrayLength() != 0
            || !model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
            return false;
        int count = 0;
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            count++;
            bool isByteToken = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id)
                && entry.Name.Length == 1 && ByteLevelAlphabet.TryGetByte(entry.Name[0], out byte b) && b == id;
            if (!isByteToken) return false;
        }
        return count == ByteCount;
    }

    // No normalizer or post-processor; ByteLevel without prefix space or regex in and out.
    private static bool HasPlainPreprocessing(JsonElement root) =>
        IsNullOrMissing(root, "normalizer") && IsNullOrMissing(root, "post_processor")
        && root.TryGetProperty("pre_tokenizer", out JsonElement preTokenizer) && IsPlainByteLevel(preTokenizer)
        && root.TryGetProperty("decoder", out JsonElement decoder) && IsString(decoder, "type", "ByteLevel");

    private static bool IsPlainByteLevel(JsonElement value) =>
        IsString(value, "type", "ByteLevel")
        && value.TryGetProperty("add_prefix_space", out JsonElement prefixSpace) && prefixSpace.ValueKind == JsonValueKind.False
        && value.TryGetProperty("use_regex", out JsonElement useRegex) && useRegex.ValueKind == JsonValueKind.False;

    /// <summary>The added tokens' contents if they are plain special tokens with ids 256, 257, ... in order.</summary>
    private static List<string>? ReadSpecialTokens(JsonElement root)
    {
        if (!root.TryGetProperty("added_tokens", out JsonElement added) || added.ValueKind != JsonValueKind.Array) return null;
        var tokens = new List<string>();
        foreach (JsonElement token in added.EnumerateArray())
        {
            string? content = token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out JsonElement c)
                && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            bool plainSpecial = !string.IsNullOrEmpty(content) && !tokens.Contains(content)
                && token.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number
                && id.TryGetInt32(out int value) && value == ByteCount + tokens.Count
                && IsTrue(token, "special") && !IsTrue(token, "single_word") && !IsTrue(token, "lstrip") && !IsTrue(token, "rstrip");
            if (!plainSpecial) return null;
            tokens.Add(content!);
        }
        return tokens;
    }

    private static bool IsString(JsonElement value, string name, string expected) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out JsonElement field)
        && field.ValueKind == JsonValueKind.String && field.GetString() == expected;

    private static bool IsNullOrMissing(JsonElement value, string name) =>
        !value.TryGetProperty(name, out JsonElement field) || field.ValueKind == JsonValueKind.Null;

    private static bool IsTrue(JsonElement value, string name) =>
        value.TryGetProperty(name, out JsonElement field) && field.ValueKind == JsonValueKind.True;
}
