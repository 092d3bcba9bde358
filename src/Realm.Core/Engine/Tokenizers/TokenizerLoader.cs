using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>Loads the tokenizer of a model directory from its Hugging Face tokenizer.json.</summary>
public static class TokenizerLoader
{
    public const string FileName = "tokenizer.json";

    /// <summary><paramref name="path"/> is a model directory or the tokenizer.json file itself.</summary>
    public static ITokenizer Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        using JsonDocument document = JsonFile.ParseObject(file);
        JsonElement root = document.RootElement;
        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{file}: missing 'model' object");

        string? type = model.TryGetProperty("type", out JsonElement typeValue) && typeValue.ValueKind == JsonValueKind.String
            ? typeValue.GetString()
            : null;
        if (type != "BPE")
            throw new RealmException($"{file}: tokenizer model type '{type ?? "(none)"}' is not supported (only BPE)");
        if (!model.TryGetProperty("merges", out JsonElement merges) || merges.ValueKind != JsonValueKind.Array)
            throw new RealmException($"{file}: 'model.merges' must be a list");
        if (merges.GetArrayLength() > 0)
            throw new RealmException($"{file}: BPE tokenizers with merges are not supported yet");
        return ByteTokenizer.FromTokenizerJson(file, root);
    }
}
