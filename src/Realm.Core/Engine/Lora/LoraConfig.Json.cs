using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Lora;

/// <summary>Reading and writing PEFT's adapter_config.json.</summary>
public sealed partial record LoraConfig
{
    public const string FileName = "adapter_config.json";

    /// <summary>
    /// Loads <paramref name="path"/>: an adapter_config.json file, or an adapter directory holding one. Options
    /// PEFT has and this engine does not run (DoRA, rsLoRA, trained biases, per-layer patterns, extra saved
    /// modules) are errors rather than silently ignored.
    /// </summary>
    public static LoraConfig Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        using JsonDocument document = JsonFile.ParseObject(file);
        var json = new JsonKeyReader(file, document.RootElement);

        string peftType = json.OptionalString("peft_type") ?? throw new RealmException($"{file}: missing required key 'peft_type'");
        if (peftType != "LORA") throw new RealmException($"{file}: peft_type '{peftType}' is not supported (only LORA)");
        if (json.OptionalString("task_type") is { } task && task != "CAUSAL_LM")
            throw new RealmException($"{file}: task_type '{task}' is not supported (only CAUSAL_LM)");
        if (json.OptionalString("bias") is { } bias && bias != "none")
            throw new RealmException($"{file}: bias '{bias}' is not supported (only none: biases are not trained)");
        foreach (var flag in new[] { "fan_in_fan_out", "use_dora", "use_rslora" })
            if (json.OptionalBool(flag) == true) throw new RealmException($"{file}: {flag} true is not supported");
        foreach (var key in new[] { "rank_pattern", "alpha_pattern", "modules_to_save", "layers_to_transform" })
            if (json.IsPresent(key) && !IsEmpty(document.RootElement.GetProperty(key)))
                throw new RealmException($"{file}: {key} {json.Describe(key)} is not supported");
        if (!json.IsPresent("r") || !json.IsPresent("lora_alpha"))
            throw new RealmException($"{file}: missing required key '{(json.IsPresent("r") ? "lora_alpha" : "r")}'");

        return new LoraConfig
        {
            Rank = json.RequiredInt("r"),
            Alpha = json.OptionalDouble("lora_alpha")!.Value,
            Dropout = json.OptionalDouble("lora_dropout") ?? 0,
            Targets = ReadTargets(json, document.RootElement),
            BaseModel = json.OptionalString("base_model_name_or_path") ?? "",
        }.Validate(file);
    }

    private static bool IsEmpty(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => !value.EnumerateObject().Any(),
        JsonValueKind.Array => value.GetArrayLength() == 0,
        _ => false,
    };

    // PEFT writes a list of module names; a single string is a name, "all-linear", or a regex (not supported).
    private static LoraTarget[] ReadTargets(JsonKeyReader json, JsonElement root)
    {
        if (!json.IsPresent("target_modules")) throw new RealmException($"{json.File}: missing required key 'target_modules'");
        return root.GetProperty("target_modules").ValueKind == JsonValueKind.String
            ? LoraTargets.ParseList(json.OptionalString("target_modules")!, $"{json.File}: target_modules")
            : json.OptionalStringList("target_modules").Select(name => LoraTargets.TryParse(name, out var t) ? t
                : throw new RealmException($"{json.File}: target_modules: unknown module '{name}' (supported: {LoraTargets.NameList})")).ToArray();
    }

    /// <summary>
    /// Writes adapter_config.json as PEFT's <c>save_pretrained</c> does (inference_mode true), atomically.
    /// <paramref name="path"/> is the file, or an existing directory to write it into.
    /// </summary>
    public void Save(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        Validate(file);
        AtomicFile.Write(file, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartObject("alpha_pattern");
            json.WriteEndObject();
            json.WriteString("base_model_name_or_path", BaseModel);
            json.WriteString("bias", "none");
            json.WriteBoolean("fan_in_fan_out", false);
            json.WriteBoolean("inference_mode", true);
            json.WriteBoolean("init_lora_weights", true);
            json.WriteNull("layers_to_transform");
            json.WriteNumber("lora_alpha", Alpha);
            json.WriteNumber("lora_dropout", Dropout);
            json.WriteNull("modules_to_save");
            json.WriteString("peft_type", "LORA");
            json.WriteNumber("r", Rank);
            json.WriteStartObject("rank_pattern");
            json.WriteEndObject();
            json.WriteNull("revision");
            json.WriteStartArray("target_modules");
            foreach (var t in Targets) json.WriteStringValue(t.Name());
            json.WriteEndArray();
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteBoolean("use_dora", false);
            json.WriteBoolean("use_rslora", false);
            json.WriteEndObject();
        });
    }
}
