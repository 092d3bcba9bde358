using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Model;

/// <summary>Reading and writing Hugging Face config.json.</summary>
public sealed partial record LlamaConfig
{
    public const string FileName = "config.json";

    private static readonly string[] SupportedModelTypes = ["llama", "qwen2", "mistral"];
    private static readonly string[] SupportedArchitectures = ["LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM"];
    private static string SupportedList =>
        string.Join(", ", SupportedModelTypes.Zip(SupportedArchitectures, (type, architecture) => $"{type}/{architecture}"));

    /// <summary>Loads <paramref name="path"/>: a config.json file, or a model directory containing one.</summary>
    public static LlamaConfig Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        using JsonDocument document = JsonFile.ParseObject(file);
        JsonElement root = document.RootElement;
        var json = new JsonKeyReader(file, root);

        string modelType = ResolveModelType(json);
        RejectUnsupportedFeatures(json, modelType);
        return new LlamaConfig
        {
            ModelType = modelType,
            HiddenSize = json.RequiredInt("hidden_size"),
            IntermediateSize = json.RequiredInt("intermediate_size"),
            NumHiddenLayers = json.RequiredInt("num_hidden_layers"),
            NumAttentionHeads = json.RequiredInt("num_attention_heads"),
            VocabSize = json.RequiredInt("vocab_size"),
            _numKeyValueHeads = json.OptionalInt("num_key_value_heads"),
            _headDim = json.OptionalInt("head_dim"),
            _attentionBias = json.OptionalBool("attention_bias"),
            RmsNormEps = json.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = json.OptionalDouble("rope_theta") ?? 10000,
            MaxPositionEmbeddings = json.OptionalInt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            BosTokenId = json.OptionalInt("bos_token_id"),
            EosTokenIds = json.IntOrIntList("eos_token_id"),
        }.Validate(file);
    }

    private static string ResolveModelType(JsonKeyReader json)
    {
        string? modelType = json.OptionalString("model_type");
        if (modelType != null && Array.IndexOf(SupportedModelTypes, modelType) < 0)
            throw new RealmException($"{json.File}: unsupported architecture '{modelType}' (supported: {SupportedList})");

        foreach (string architecture in json.OptionalStringList("architectures"))
        {
            int index = Array.IndexOf(SupportedArchitectures, architecture);
            if (index < 0)
                throw new RealmException($"{json.File}: unsupported architecture '{architecture}' (supported: {SupportedList})");
            if (modelType != null && SupportedModelTypes[index] != modelType)
                throw new RealmException($"{json.File}: architectures lists '{architecture}' but model_type is '{modelType}'");
            modelType ??= SupportedModelTypes[index];
        }
        return modelType ?? "llama";
    }

    // Features that change the computation: loading such a model as plain Llama would be silently wrong.
    private static void RejectUnsupportedFeatures(JsonKeyReader json, string modelType)
    {
        string hiddenAct = json.OptionalString("hidden_act") ?? "silu";
        if (hiddenAct != "silu")
            throw new RealmException($"{json.File}: unsupported hidden_act '{hiddenAct}' (only silu)");
        if (json.IsPresent("rope_scaling"))
            throw new RealmException($"{json.File}: rope_scaling is not supported (got {json.Describe("rope_scaling")})");
        if (json.OptionalBool("mlp_bias") == true)
            throw new RealmException($"{json.File}: mlp_bias true is not supported");
        if (modelType == "mistral" && json.IsPresent("sliding_window"))
            throw new RealmException(
                $"{json.File}: sliding_window {json.Describe("sliding_window")} is not supported (only mistral models with sliding_window null)");
        if (modelType == "qwen2" && json.OptionalBool("use_sliding_window") == true)
            throw new RealmException($"{json.File}: use_sliding_window true is not supported");
    }

    /// <summary>
    /// Writes a config.json transformers can load, atomically. <paramref name="path"/> is the file, or an
    /// existing directory to write config.json into.
    /// </summary>
    public void Save(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        Validate(file);
        AtomicFile.Write(file, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue(SupportedArchitectures[Array.IndexOf(SupportedModelTypes, ModelType)]);
            json.WriteEndArray();
            json.WriteString("model_type", ModelType);
            json.WriteNumber("hidden_size", HiddenSize);
            json.WriteNumber("intermediate_size", IntermediateSize);
            json.WriteNumber("num_hidden_layers", NumHiddenLayers);
            json.WriteNumber("num_attention_heads", NumAttentionHeads);
            json.WriteNumber("num_key_value_heads", NumKeyValueHeads);
            json.WriteNumber("head_dim", HeadDim);
            json.WriteNumber("vocab_size", VocabSize);
            json.WriteString("hidden_act", "silu");
            json.WriteNumber("rms_norm_eps", RmsNormEps);
            json.WriteNumber("rope_theta", RopeTheta);
            json.WriteNull("rope_scaling");
            json.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            json.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            json.WriteBoolean("attention_bias", AttentionBias);
            if (ModelType == "mistral") json.WriteNull("sliding_window");
            if (BosTokenId is int bos) json.WriteNumber("bos_token_id", bos);
            else json.WriteNull("bos_token_id");
            WriteEos(json);
            json.WriteString("torch_dtype", "float32");
            json.WriteEndObject();
        });
    }

    private void WriteEos(Utf8JsonWriter json)
    {
        if (EosTokenIds.Length == 0)
        {
            json.WriteNull("eos_token_id");
        }
        else if (EosTokenIds.Length == 1)
        {
            json.WriteNumber("eos_token_id", EosTokenIds[0]);
        }
        else
        {
            json.WriteStartArray("eos_token_id");
            foreach (int eos in EosTokenIds) json.WriteNumberValue(eos);
            json.WriteEndArray();
        }
    }
}
