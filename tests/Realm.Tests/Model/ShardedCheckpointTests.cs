using Realm.Engine;
using Realm.Engine.Compute;
using Realm.Engine.IO;
using Realm.Engine.Model;

namespace Realm.Tests.Model;

/// <summary>Hugging Face sharded checkpoints: model.safetensors.index.json and the shards it lists.</summary>
public class ShardedCheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _source = Fixtures.Model("qwen_bias_untied");

    public void Dispose() => _temp.Dispose();

    /// <summary>Splits the fixture's model.safetensors into two shards (alternate tensors) with an index, as transformers writes them.</summary>
    private string WriteSharded()
    {
        string dir = _temp.File("sharded");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(_source, "config.json"), Path.Combine(dir, "config.json"));
        using var single = SafeTensorsFile.Open(Path.Combine(_source, CheckpointReader.WeightsFileName));
        var shards = new[] { new SafeTensorsWriter(), new SafeTensorsWriter() };
        var names = new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" };
        var map = new List<string>();
        int i = 0;
        foreach (var (name, info) in single.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            shards[i % 2].Add(name, single.ReadFloat(name), info.Shape);
            map.Add($"\"{name}\": \"{names[i % 2]}\"");
            i++;
        }
        for (int s = 0; s < 2; s++) shards[s].Save(Path.Combine(dir, names[s]));
        File.WriteAllText(Path.Combine(dir, CheckpointReader.WeightsIndexFileName),
            $"{{\"metadata\": {{\"total_size\": 0}}, \"weight_map\": {{{string.Join(", ", map)}}}}}");
        return dir;
    }

    [Fact]
    public void ShardedWeightsLoadExactlyAsTheSingleFile()
    {
        string dir = WriteSharded();
        using var cpu = new Cpu(1, SimdSupport.Best);
        using var whole = LlamaModel.Load(_source, cpu);
        using var sharded = LlamaModel.Load(dir, cpu);
        Assert.Equal(whole.Layout.Total, sharded.Layout.Total);
        Assert.True(whole.Weights.Span.SequenceEqual(sharded.Weights.Span), "sharded weights differ from the single file's");
    }

    [Fact]
    public void AMissingShardIsNamed()
    {
        string dir = WriteSharded();
        File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        using var cpu = new Cpu(1, SimdSupport.Best);
        var error = Assert.Throws<RealmException>(() => LlamaModel.Load(dir, cpu));
        Assert.Contains("model.safetensors.index.json: lists shard 'model-00002-of-00002.safetensors', which is missing", error.Message);
    }

    [Fact]
    public void ATensorNoShardHoldsIsNamedWithTheIndex()
    {
        string dir = WriteSharded();
        string index = Path.Combine(dir, CheckpointReader.WeightsIndexFileName);
        // Keep only the first shard: the tensors of the second are then in no file.
        string json = File.ReadAllText(index).Replace("model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors");
        File.WriteAllText(index, json);
        using var cpu = new Cpu(1, SimdSupport.Best);
        var error = Assert.Throws<RealmException>(() => LlamaModel.Load(dir, cpu));
        Assert.StartsWith($"{index}: missing tensor '", error.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"model.norm.weight\": 3}}", "weight_map['model.norm.weight'] is 3, not a shard file name")]
    [InlineData("{\"weight_map\": {\"model.norm.weight\": \"../x.safetensors\"}}", "not a shard file name in this directory")]
    [InlineData("{\"metadata\": {}}", "missing object 'weight_map'")]
    public void ABadIndexIsOneClearError(string indexJson, string expected)
    {
        string dir = _temp.File("bad");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(_source, "config.json"), Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, CheckpointReader.WeightsIndexFileName), indexJson);
        using var cpu = new Cpu(1, SimdSupport.Best);
        var error = Assert.Throws<RealmException>(() => LlamaModel.Load(dir, cpu));
        Assert.Contains(expected, error.Message);
    }
}
