using Realm.Engine.IO;
using Realm.Engine.Model;

namespace Realm.Engine.Lora;

/// <summary>
/// PEFT adapter directories: adapter_config.json plus adapter_model.safetensors with PEFT's tensor names
/// (<c>base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight</c> [r, in], <c>…lora_B.weight</c> [out, r]),
/// so what realm saves loads with <c>PeftModel.from_pretrained</c> and the other way round.
/// </summary>
public sealed unsafe partial class LoraAdapters
{
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Writes adapter_config.json and adapter_model.safetensors (F32) into <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, LoraConfig.FileName));
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var p in Layout.Parameters) writer.Add(p.Name, Weights.Ptr + p.Offset, p.Length, p.Shape);
        writer.Save(Path.Combine(directory, WeightsFileName));
    }

    /// <summary>
    /// Loads a PEFT adapter directory for a base model of shape <paramref name="baseConfig"/>. Every matrix
    /// the config implies must be present with the shape this base gives it; a tensor of another shape, of a
    /// layer the base lacks, or of a module not targeted is an error naming the file and the mismatch.
    /// </summary>
    public static LoraAdapters Load(string directory, LlamaConfig baseConfig, ulong dropoutSeed = 0)
    {
        AtomicFile.RecoverDirectory(directory);
        if (!Directory.Exists(directory)) throw new RealmException($"{directory}: adapter directory not found");
        var config = LoraConfig.Load(directory);
        string path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path) && File.Exists(Path.Combine(directory, "adapter_model.bin")))
            throw new RealmException($"{directory}: adapter_model.bin (pickle) is not supported; save the adapter as {WeightsFileName}");
        var adapters = new LoraAdapters(baseConfig, config, dropoutSeed);
        try
        {
            using var file = SafeTensorsFile.Open(path);
            adapters.ReadTensors(file);
            return adapters;
        }
        catch
        {
            adapters.Dispose();
            throw;
        }
    }

    private void ReadTensors(SafeTensorsFile file)
    {
        const string different = "adapter for a different base model";
        int layers = Base.NumHiddenLayers;
        foreach (var name in file.Tensors.Keys)
            if (LoraLayout.LayerOf(name) is int layer && layer >= layers)
                throw new RealmException($"{file.Path}: tensor '{name}' belongs to layer {layer}, but the base model has num_hidden_layers {layers}: {different}");
        var remaining = new HashSet<string>(file.Tensors.Keys, StringComparer.Ordinal);
        for (int l = 0; l < layers; l++)
            foreach (var t in Config.Targets)
            {
                var site = ProjectionSite.Of(Layout.Base, l, t);
                int r = Config.Rank;
                foreach (var (matrix, offset, expected) in new[] { ('A', Layout.A(l, t), new[] { r, site.InDim }), ('B', Layout.B(l, t), new[] { site.OutDim, r }) })
                {
                    string name = LoraLayout.TensorName(l, t, matrix);
                    if (!remaining.Remove(name))
                        throw new RealmException($"{file.Path}: missing tensor '{name}' ({LoraConfig.FileName} targets {t.Name()} in each of the base model's {layers} layers)");
                    var shape = file.Tensors[name].Shape;
                    if (!shape.AsSpan().SequenceEqual(expected))
                        throw new RealmException($"{file.Path}: tensor '{name}' has shape {TensorInfo.FormatShape(shape)}, expected " +
                            $"{TensorInfo.FormatShape(expected)} from r {r} and the base model's {t.Name()} " +
                            $"{TensorInfo.FormatShape([site.OutDim, site.InDim])}: {different}");
                    file.ReadFloat(name, Weights.Slice(offset, expected[0] * expected[1]));
                }
            }
        foreach (var name in remaining)
            throw new RealmException($"{file.Path}: unexpected tensor '{name}' (not a LoRA matrix of the target_modules in {LoraConfig.FileName})");
    }
}
