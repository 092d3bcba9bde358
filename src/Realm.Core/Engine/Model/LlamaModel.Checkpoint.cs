using Realm.Engine.Compute;
using Realm.Engine.IO;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>Loading and saving Hugging Face model directories (config.json + model.safetensors).</summary>
public sealed unsafe partial class LlamaModel
{
    public const string WeightsFileName = CheckpointReader.WeightsFileName;
    public const string WeightsIndexFileName = CheckpointReader.WeightsIndexFileName;

    /// <summary>
    /// Loads a Hugging Face directory: config.json plus model.safetensors (or shards listed in
    /// model.safetensors.index.json), F32/BF16/F16. Every tensor the config implies must be present with
    /// its exact shape; unknown tensors are an error (they mean an architecture this engine does not run).
    /// </summary>
    public static LlamaModel Load(string directory, Cpu cpu) => Load(directory, cpu, WeightFormat.F32, adapters: null);

    /// <summary>
    /// Loads a directory as an inference-only model with BF16 weights (see <see cref="KeepOnlyInferenceWeights"/>):
    /// each matrix is read, merged with <paramref name="adapters"/> when given, and packed in turn, so the
    /// F32 weights of the whole model never exist; loading needs the packed model plus one F32 matrix.
    /// </summary>
    public static LlamaModel LoadBf16(string directory, Cpu cpu, LoraAdapters? adapters = null) =>
        LoadPacked(directory, cpu, WeightFormat.Bf16, adapters);

    /// <summary>As <see cref="LoadBf16"/>, with BF16 or Q8 weights.</summary>
    public static LlamaModel LoadPacked(string directory, Cpu cpu, WeightFormat format, LoraAdapters? adapters = null) =>
        Load(directory, cpu, format, adapters);

    /// <summary>The directory's config.json (after recovering an interrupted save).</summary>
    public static LlamaConfig LoadConfig(string directory)
    {
        if (!Directory.Exists(directory)) throw new RealmException($"{directory}: model directory not found");
        AtomicFile.RecoverDirectory(directory);
        return LlamaConfig.Load(directory);
    }

    /// <summary>Whether the directory's checkpoint stores every matrix as BF16, so BF16 weights hold exactly its values.</summary>
    public static bool StoresBf16(string directory)
    {
        using var checkpoint = CheckpointReader.Open(directory, new ParameterLayout(LoadConfig(directory)));
        return checkpoint.MatricesAreBf16;
    }

    private static LlamaModel Load(string directory, Cpu cpu, WeightFormat format, LoraAdapters? adapters)
    {
        bool packed = format != WeightFormat.F32;
        var model = new LlamaModel(LoadConfig(directory), cpu, f32Weights: !packed);
        try
        {
            using var checkpoint = CheckpointReader.Open(directory, model.Layout);
            if (packed)
            {
                model.Adapters = adapters;
                model.InferenceWeights = new PackedWeights(model, format, checkpoint.ReadRange);
            }
            else
                foreach (var p in model.Layout.Parameters)
                    checkpoint.Read(p, model.Weights.Slice(p.Offset, checked((int)p.Length)));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes config.json and model.safetensors (F32, Hugging Face names) into <paramref name="directory"/>,
    /// each file atomically. Other files in the directory are left alone.
    /// </summary>
    public void Save(string directory)
    {
        var weights = Weights; // an inference-only BF16 model stops here, before anything is written
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, LlamaConfig.FileName));
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var p in Layout.Parameters) writer.Add(p.Name, weights.Ptr + p.Offset, p.Length, p.Shape);
        writer.Save(Path.Combine(directory, WeightsFileName));
    }
}
