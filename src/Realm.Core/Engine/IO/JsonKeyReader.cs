using System.Text.Json;

namespace Realm.Engine.IO;

/// <summary>
/// Typed access to the keys of a JSON object read from <paramref name="File"/> (config.json,
/// generation_config.json, adapter_config.json): a wrong type is an error naming the file and key, never a fallback.
/// </summary>
internal readonly record struct JsonKeyReader(string File, JsonElement Root)
{
    /// <summary>Present and not null.</summary>
    public bool IsPresent(string key) =>
        Root.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    public string Describe(string key) => JsonFile.Describe(Root.GetProperty(key));

    public int RequiredInt(string key) =>
        OptionalInt(key) ?? throw new RealmException($"{File}: missing required key '{key}'");

    public int? OptionalInt(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw WrongType(key, "an integer", value);
    }

    public double? OptionalDouble(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw WrongType(key, "a number", value);
    }

    public bool? OptionalBool(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw WrongType(key, "true or false", value);
    }

    public string? OptionalString(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(key, "a string", value);
    }

    public string[] OptionalStringList(string key)
    {
        if (!TryGet(key, out JsonElement value)) return [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            throw WrongType(key, "a list of strings", value);
        return value.EnumerateArray().Select(item => item.GetString()!).ToArray();
    }

    /// <summary>transformers writes eos_token_id as one id or as a list of ids.</summary>
    public int[] IntOrIntList(string key)
    {
        if (!TryGet(key, out JsonElement value)) return [];
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int single)) return [single];
        if (value.ValueKind == JsonValueKind.Array)
        {
            var ids = new List<int>();
            foreach (JsonElement item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                    throw WrongType(key, "an integer or a list of integers", value);
                ids.Add(id);
            }
            return ids.ToArray();
        }
        throw WrongType(key, "an integer or a list of integers", value);
    }

    // JSON null means "not set", as transformers treats it.
    private bool TryGet(string key, out JsonElement value) =>
        Root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private RealmException WrongType(string key, string expected, JsonElement value) =>
        new($"{File}: key '{key}' must be {expected}, got {JsonFile.Describe(value)}");
}
