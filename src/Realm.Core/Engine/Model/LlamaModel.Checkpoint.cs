using System.Text.Json;
using Realm.Engine.Compute;
using Realm.Engine.IO;

namespace Realm.Engine.Model;

/// <summary>Loading and saving Hugging Face model directories (config.json + model.safetensors).</summary>
public sealed unsafe partial class LlamaModel
{
    public const string WeightsFileName = "model.safetensors";
    public const string WeightsIndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Whether the checkpoint this model was loaded from stores every matrix as BF16: then BF16 inference
    /// weights (<see cref="KeepOnlyBf16Weights"/>) hold exactly the loaded values. False for a model made in memory.
    /// </summary>
    public bool LoadedFromBf16 { get; private set; }

    /// <summary>
    /// Loads a Hugging Face directory: config.json plus model.safetensors (or shards listed in
    /// model.safetensors.index.json), F32/BF16/F16. Every tensor the config implies must be present with
    /// its exact shape; unknown tensors are an error (they mean an architecture this engine does not run).
    /// </summary>
    public static LlamaModel Load(string directory, Cpu cpu)
    {
        if (!Directory.Exists(directory)) throw new RealmException($"{directory}: model directory not found");
        AtomicFile.RecoverDirectory(directory);
        var config = LlamaConfig.Load(directory);
        var model = new LlamaModel(config, cpu);
        try
        {
            model.LoadWeights(directory);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void LoadWeights(string directory)
    {
        var files = OpenWeightFiles(directory);
        try
        {
            var owner = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var file in files)
                foreach (var name in file.Tensors.Keys)
                    owner[name] = file;
            bool matricesBf16 = true;
            foreach (var p in Layout.Parameters)
            {
                if (!owner.Remove(p.Name, out var file))
                    throw new RealmException($"{Path.Combine(directory, WeightsFileName)}: missing tensor '{p.Name}' required by config.json");
                file.ExpectShape(p.Name, p.Shape);
                file.ReadFloat(p.Name, Weights.Slice(p.Offset, checked((int)p.Length)));
                if (p.Shape.Length == 2) matricesBf16 &= file.Get(p.Name).DType == SafeTensorsDType.BF16;
            }
            LoadedFromBf16 = matricesBf16;
            foreach (var (name, file) in owner)
            {
                bool harmless = name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
                    || (name == "lm_head.weight" && Config.TieWordEmbeddings);
                if (!harmless)
                    throw new RealmException($"{file.Path}: unexpected tensor '{name}' (not part of a {Config.ModelType} model with this config.json)");
            }
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    private static List<SafeTensorsFile> OpenWeightFiles(string directory)
    {
        string single = Path.Combine(directory, WeightsFileName);
        string index = Path.Combine(directory, WeightsIndexFileName);
        var files = new List<SafeTensorsFile>();
        if (File.Exists(single))
        {
            files.Add(SafeTensorsFile.Open(single));
            return files;
        }
        if (!File.Exists(index))
            throw new RealmException($"{directory}: no {WeightsFileName} (or {WeightsIndexFileName}) found");
        using var doc = JsonFile.Parse(index);
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{index}: missing object 'weight_map'");
        try
        {
            foreach (var shard in map.EnumerateObject().Select(p => p.Value.GetString()).Distinct())
            {
                if (string.IsNullOrEmpty(shard) || shard.Contains('/') || shard.Contains('\\'))
                    throw new RealmException($"{index}: invalid shard file name '{shard}'");
                files.Add(SafeTensorsFile.Open(Path.Combine(directory, shard)));
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
        return files;
    }

    /// <summary>
    /// Writes config.json and model.safetensors (F32, Hugging Face names) into <paramref name="directory"/>,
    /// each file atomically. Other files in the directory are left alone.
    /// </summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, LlamaConfig.FileName));
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var p in Layout.Parameters) writer.Add(p.Name, Weights.Ptr + p.Offset, p.Length, p.Shape);
        writer.Save(Path.Combine(directory, WeightsFileName));
    }
}
