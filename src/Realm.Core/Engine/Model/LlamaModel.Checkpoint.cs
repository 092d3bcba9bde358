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
    public static LlamaModel Load(string directory, Cpu cpu) => Load(directory, cpu, bf16: false, adapters: null);

    /// <summary>
    /// Loads a directory as an inference-only model with BF16 weights (see <see cref="KeepOnlyBf16Weights"/>):
    /// each matrix is read, merged with <paramref name="adapters"/> when given, and packed in turn, so the
    /// F32 weights of the whole model never exist; loading needs the BF16 model plus one F32 matrix.
    /// </summary>
    public static LlamaModel LoadBf16(string directory, Cpu cpu, LoraAdapters? adapters = null) =>
        Load(directory, cpu, bf16: true, adapters);

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

    private static LlamaModel Load(string directory, Cpu cpu, bool bf16, LoraAdapters? adapters)
    {
        var model = new LlamaModel(LoadConfig(directory), cpu, f32Weights: !bf16);
        try
        {
            using var checkpoint = CheckpointReader.Open(directory, model.Layout);
            if (bf16)
            {
                model.Adapters = adapters;
                model.Bf16Weights = new PackedWeights(model, WeightFormat.Bf16, checkpoint.ReadRange);
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
