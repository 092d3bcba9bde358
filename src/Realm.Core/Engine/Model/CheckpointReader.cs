using System.Text.Json;
using Realm.Engine.Compute;
using Realm.Engine.IO;

namespace Realm.Engine.Model;

/// <summary>
/// The safetensors files of a Hugging Face model directory (model.safetensors, or the shards listed in
/// model.safetensors.index.json) checked against a parameter layout: every tensor the config implies is
/// present with its exact shape, and no tensor is unknown (that would mean an architecture this engine
/// does not run). Reads parameters as F32 (from F32, BF16 or F16), one or a run of adjacent ones at a time.
/// </summary>
internal sealed unsafe class CheckpointReader : IDisposable
{
    public const string WeightsFileName = "model.safetensors";
    public const string WeightsIndexFileName = "model.safetensors.index.json";

    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, SafeTensorsFile> _owner;
    private readonly ParameterLayout _layout;
    private NativeBuffer? _range;

    /// <summary>Whether every matrix (2-D parameter) is stored as BF16.</summary>
    public bool MatricesAreBf16 { get; }

    private CheckpointReader(List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> owner, ParameterLayout layout, bool bf16)
    {
        _files = files;
        _owner = owner;
        _layout = layout;
        MatricesAreBf16 = bf16;
    }

    public static CheckpointReader Open(string directory, ParameterLayout layout)
    {
        var files = OpenFiles(directory);
        try
        {
            var owner = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var file in files)
                foreach (var name in file.Tensors.Keys)
                    owner[name] = file;
            bool bf16 = true;
            foreach (var p in layout.Parameters)
            {
                if (!owner.TryGetValue(p.Name, out var file))
                    throw new RealmException($"{WeightsSource(directory)}: missing tensor '{p.Name}' required by config.json");
                file.ExpectShape(p.Name, p.Shape);
                if (p.Shape.Length == 2) bf16 &= file.Get(p.Name).DType == SafeTensorsDType.BF16;
            }
            var config = layout.Config;
            var known = layout.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, file) in owner)
            {
                bool harmless = known.Contains(name) || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
                    || (name == "lm_head.weight" && config.TieWordEmbeddings);
                if (!harmless)
                    throw new RealmException($"{file.Path}: unexpected tensor '{name}' (not part of a {config.ModelType} model with this config.json)");
            }
            return new CheckpointReader(files, owner, layout, bf16);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    public void Read(ParameterInfo p, Span<float> destination) => _owner[p.Name].ReadFloat(p.Name, destination);

    /// <summary>
    /// Reads the parameters that make up floats [offset, offset + length) of the layout (for instance a
    /// layer's adjacent q, k and v projections) into a buffer of the reader's, valid until the next call.
    /// </summary>
    public float* ReadRange(long offset, long length)
    {
        float* destination = Scratch.Get(ref _range, length);
        long covered = 0;
        foreach (var p in _layout.Parameters)
            if (p.Offset >= offset && p.Offset + p.Length <= offset + length)
            {
                Read(p, new Span<float>(destination + (p.Offset - offset), checked((int)p.Length)));
                covered += p.Length;
            }
        if (covered != length) throw new ArgumentException($"floats [{offset}, {offset + length}) are not whole parameters");
        return destination;
    }

    /// <summary>The file that names the weights: model.safetensors, or the index of the shards.</summary>
    private static string WeightsSource(string directory) => File.Exists(Path.Combine(directory, WeightsFileName))
        ? Path.Combine(directory, WeightsFileName) : Path.Combine(directory, WeightsIndexFileName);

    private static List<SafeTensorsFile> OpenFiles(string directory)
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
            var shards = new List<string>();
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || shard.Contains('/') || shard.Contains('\\'))
                    throw new RealmException($"{index}: weight_map['{entry.Name}'] is {JsonFile.Describe(entry.Value)}, not a shard file name in this directory");
                if (!shards.Contains(shard)) shards.Add(shard);
            }
            foreach (var shard in shards)
            {
                string path = Path.Combine(directory, shard);
                if (!File.Exists(path)) throw new RealmException($"{index}: lists shard '{shard}', which is missing from {directory}");
                files.Add(SafeTensorsFile.Open(path));
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
        return files;
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _range?.Dispose();
    }
}
