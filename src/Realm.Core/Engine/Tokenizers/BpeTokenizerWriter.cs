using System.Text.Encodings.Web;
using System.Text.Json;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// Writes the Hugging Face files of a byte-level BPE tokenizer the project made itself: GPT-2
/// pre-tokenization, special tokens as added tokens, and a template that puts BOS first when special
/// tokens are added (as training documents start), so transformers encodes prompts as training did.
/// </summary>
internal static class BpeTokenizerWriter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,
        // Keep the byte characters (Ġ, Ċ, ...) readable; the files are never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="tokens">Every token by id: the 256 byte characters, the special tokens, then merged tokens.</param>
    /// <param name="specialIds">Ids of the special tokens; the first is BOS.</param>
    public static byte[] WriteTokenizerJson(IReadOnlyList<string> tokens, IReadOnlyList<int> specialIds, IReadOnlyList<(string Left, string Right)> merges)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_options))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            foreach (int id in specialIds)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", tokens[id]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNull("normalizer");
            json.WritePropertyName("pre_tokenizer");
            WriteByteLevel(json);
            WriteBosTemplate(json, tokens[specialIds[0]], specialIds[0]);
            json.WritePropertyName("decoder");
            WriteByteLevel(json);
            WriteModel(json, tokens, merges);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteByteLevel(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", true);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }

    private static void WriteBosTemplate(Utf8JsonWriter json, string bos, int bosId)
    {
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteTemplateItem(json, "SpecialToken", bos, 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteTemplateItem(json, "SpecialToken", bos, 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        WriteTemplateItem(json, "SpecialToken", bos, 1);
        WriteTemplateItem(json, "Sequence", "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(bosId);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTemplateItem(Utf8JsonWriter json, string kind, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject(kind);
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter json, IReadOnlyList<string> tokens, IReadOnlyList<(string Left, string Right)> merges)
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        // The special tokens are in the vocab too, as GPT-2's <|endoftext|> is: Hugging Face gives an added
        // token its vocab id, and would otherwise number it after the vocab whatever the file says.
        json.WriteStartObject("vocab");
        for (int id = 0; id < tokens.Count; id++) json.WriteNumber(tokens[id], id);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            json.WriteStartArray();
            json.WriteStringValue(left);
            json.WriteStringValue(right);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A tokenizer_config.json naming the BOS, EOS and padding tokens and the other special tokens.</summary>
    public static byte[] WriteConfig(string? bos, string? eos, string? pad, bool? addBos, IEnumerable<string> specialTokens)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_options))
        {
            json.WriteStartObject();
            json.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
            WriteStringOrNull(json, "bos_token", bos);
            WriteStringOrNull(json, "eos_token", eos);
            WriteStringOrNull(json, "pad_token", pad);
            if (addBos is bool add) json.WriteBoolean("add_bos_token", add);
            json.WriteStartArray("additional_special_tokens");
            foreach (string token in specialTokens)
                if (token != bos && token != eos && token != pad) json.WriteStringValue(token);
            json.WriteEndArray();
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value == null) json.WriteNull(name);
        else json.WriteString(name, value);
    }
}
