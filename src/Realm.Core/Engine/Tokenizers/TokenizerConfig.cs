using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// What a Hugging Face tokenizer_config.json adds to tokenizer.json: which tokens are BOS, EOS, padding
/// and unknown, whether BOS is prepended, and the chat template. A token may be written as a string or
/// as an object with a "content" field.
/// </summary>
internal sealed record TokenizerConfig(
    string? BosToken, string? EosToken, string? PadToken, string? UnkToken, bool? AddBosToken, string? ChatTemplate)
{
    public const string FileName = "tokenizer_config.json";

    public static readonly TokenizerConfig Empty = new(null, null, null, null, null, null);

    /// <summary>Reads the config from <paramref name="bytes"/>, the content of <paramref name="path"/>.</summary>
    public static TokenizerConfig Read(string path, byte[] bytes)
    {
        using JsonDocument document = JsonFile.ParseObject(path, bytes);
        JsonElement root = document.RootElement;
        return new TokenizerConfig(
            Token(path, root, "bos_token"), Token(path, root, "eos_token"), Token(path, root, "pad_token"),
            Token(path, root, "unk_token"), AddBos(path, root), ReadChatTemplate(path, root));
    }

    private static string? Token(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out JsonElement content)
            && content.ValueKind == JsonValueKind.String)
            return content.GetString();
        throw new RealmException($"{path}: '{name}' must be a string or an object with a string 'content', got {JsonFile.Describe(value)}");
    }

    private static bool? AddBos(string path, JsonElement root)
    {
        if (!root.TryGetProperty("add_bos_token", out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        throw new RealmException($"{path}: 'add_bos_token' must be true or false, got {JsonFile.Describe(value)}");
    }

    // A string, or a list of named templates of which "default" is the chat template.
    private static string? ReadChatTemplate(string path, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        if (value.ValueKind == JsonValueKind.Array)
            foreach (JsonElement named in value.EnumerateArray())
                if (named.ValueKind == JsonValueKind.Object && named.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String
                    && name.GetString() == "default" && named.TryGetProperty("template", out JsonElement template) && template.ValueKind == JsonValueKind.String)
                    return template.GetString();
        throw new RealmException($"{path}: 'chat_template' must be a string or a list with a \"default\" template, got {JsonFile.Describe(value)}");
    }
}
