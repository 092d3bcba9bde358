using System.Text.Json;
using Realm.Engine.Compute;
using Realm.Engine.IO;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Lora;

/// <summary>adapter_config.json + adapter_model.safetensors exactly as PEFT names and shapes them, and clear errors for the wrong base.</summary>
public class PeftFormatTests
{
    private static LlamaConfig Base => ModelGradientTests.TinyConfig(bias: true, tied: false); // d 16, F 24, 4×4 query, 2×4 key/value

    [Fact]
    public void SavedAdaptersLoadBackIdentically()
    {
        using var dir = new TempDirectory();
        var config = LoraTestSupport.Config("all-linear", rank: 4, dropout: 0.05) with { BaseModel = "Qwen/Qwen2.5-0.5B" };
        using var saved = LoraTestSupport.RandomAdapters(Base, config);
        saved.Save(dir.Path);
        using var loaded = LoraAdapters.Load(dir.Path, Base);
        Assert.Equal(config, loaded.Config);
        Assert.Equal(saved.Weights.Span.ToArray(), loaded.Weights.Span.ToArray());
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], dir.Entries());
    }

    [Fact]
    public void TensorNamesShapesAndConfigKeysAreThoseOfPeft()
    {
        using var dir = new TempDirectory();
        var config = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.05, Targets = [LoraTarget.DownProj, LoraTarget.VProj, LoraTarget.QProj], BaseModel = "base" };
        using (var adapters = LoraAdapters.Create(Base, config, seed: 1)) adapters.Save(dir.Path);

        using (var file = SafeTensorsFile.Open(dir.File("adapter_model.safetensors")))
        {
            var expected = new Dictionary<string, int[]>();
            for (int l = 0; l < 2; l++)
            {
                string p = $"base_model.model.model.layers.{l}.";
                expected[p + "self_attn.q_proj.lora_A.weight"] = [4, 16];
                expected[p + "self_attn.q_proj.lora_B.weight"] = [16, 4];
                expected[p + "self_attn.v_proj.lora_A.weight"] = [4, 16];
                expected[p + "self_attn.v_proj.lora_B.weight"] = [8, 4];
                expected[p + "mlp.down_proj.lora_A.weight"] = [4, 24];
                expected[p + "mlp.down_proj.lora_B.weight"] = [16, 4];
            }
            Assert.Equal(expected.Keys.Order(), file.Tensors.Keys.Order());
            foreach (var (name, shape) in expected)
            {
                Assert.Equal(shape, file.Tensors[name].Shape);
                Assert.Equal(SafeTensorsDType.F32, file.Tensors[name].DType);
            }
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.All(file.ReadFloat("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"), x => Assert.Equal(0f, x));
            var a = file.ReadFloat("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight");
            Assert.All(a, x => Assert.InRange(x, -1 / Math.Sqrt(24), 1 / Math.Sqrt(24))); // kaiming_uniform_(a=√5): U(±1/√in)
            Assert.True(a.Max() - a.Min() > 1.5 / Math.Sqrt(24), "A should fill its range");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("adapter_config.json")));
        var root = doc.RootElement;
        Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
        Assert.Equal("CAUSAL_LM", root.GetProperty("task_type").GetString());
        Assert.Equal(4, root.GetProperty("r").GetInt32());
        Assert.Equal(8, root.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(0.05, root.GetProperty("lora_dropout").GetDouble());
        Assert.Equal(["q_proj", "v_proj", "down_proj"], root.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("none", root.GetProperty("bias").GetString());
        Assert.Equal("base", root.GetProperty("base_model_name_or_path").GetString());
        Assert.False(root.GetProperty("fan_in_fan_out").GetBoolean());
        Assert.True(root.GetProperty("inference_mode").GetBoolean());
        Assert.False(root.GetProperty("use_dora").GetBoolean());
        Assert.False(root.GetProperty("use_rslora").GetBoolean());
    }

    [Fact]
    public void AConfigAsPeftWritesItLoads()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("adapter_config.json"), """
            {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "Qwen/Qwen2.5-0.5B", "bias": "none",
             "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layer_replication": null,
             "layers_pattern": null, "layers_to_transform": null, "loftq_config": {}, "lora_alpha": 32, "lora_dropout": 0.1,
             "megatron_config": null, "megatron_core": "megatron.core", "modules_to_save": null, "peft_type": "LORA", "r": 16,
             "rank_pattern": {}, "revision": null, "target_modules": ["v_proj", "gate_proj", "q_proj"], "task_type": "CAUSAL_LM",
             "use_dora": false, "use_rslora": false}
            """);
        var config = LoraConfig.Load(dir.Path);
        Assert.Equal(new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0.1, Targets = [LoraTarget.QProj, LoraTarget.VProj, LoraTarget.GateProj], BaseModel = "Qwen/Qwen2.5-0.5B" }, config);
        Assert.Equal(2f, config.Scale);
    }

    [Theory]
    [InlineData("\"peft_type\": \"PREFIX_TUNING\"", "peft_type 'PREFIX_TUNING'")]
    [InlineData("\"use_dora\": true", "use_dora true is not supported")]
    [InlineData("\"bias\": \"all\"", "bias 'all'")]
    [InlineData("\"target_modules\": [\"q_proj\", \"lm_head\"]", "unknown module 'lm_head'")]
    [InlineData("\"target_modules\": \".*proj\"", "unknown LoRA target module '.*proj'")]
    [InlineData("\"r\": null", "missing required key 'r'")]
    [InlineData("\"r\": 0", "r must be at least 1")]
    [InlineData("\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern")]
    [InlineData("\"lora_dropout\": 1.0", "lora_dropout must be in [0, 1)")]
    public void UnsupportedOrBrokenConfigsAreUserErrorsNamingTheKey(string replacement, string message)
    {
        using var dir = new TempDirectory();
        var config = new Dictionary<string, string>
        {
            ["peft_type"] = "\"LORA\"", ["r"] = "4", ["lora_alpha"] = "8", ["target_modules"] = "[\"q_proj\"]", ["bias"] = "\"none\"",
        };
        string key = replacement[1..replacement.IndexOf('"', 1)];
        config[key] = replacement[(replacement.IndexOf(':') + 1)..].Trim();
        File.WriteAllText(dir.File("adapter_config.json"), "{" + string.Join(", ", config.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}");
        var e = Assert.Throws<RealmException>(() => LoraConfig.Load(dir.Path));
        Assert.Contains(dir.File("adapter_config.json"), e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnAdapterForADifferentBaseIsRefusedNamingTheFileAndTheMismatch()
    {
        using var dir = new TempDirectory();
        using (var adapters = LoraAdapters.Create(Base, LoraTestSupport.Config("q_proj,down_proj"), 1)) adapters.Save(dir.Path);
        string file = dir.File("adapter_model.safetensors");

        var wider = Base with { HiddenSize = 24 };
        var e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, wider));
        Assert.Contains(file, e.Message);
        Assert.Contains("'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [3, 16], expected [3, 24]", e.Message);
        Assert.Contains("adapter for a different base model", e.Message);

        e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, Base with { IntermediateSize = 32 }));
        Assert.Contains("mlp.down_proj.lora_A.weight' has shape [3, 24], expected [3, 32]", e.Message);

        e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, Base with { NumHiddenLayers = 1 }));
        Assert.Contains(file, e.Message);
        Assert.Contains("belongs to layer 1, but the base model has num_hidden_layers 1: adapter for a different base model", e.Message);

        e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, Base with { NumHiddenLayers = 3 }));
        Assert.Contains("missing tensor 'base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight'", e.Message);
    }

    [Fact]
    public void TensorsTheConfigDoesNotTargetAreRefused()
    {
        using var dir = new TempDirectory();
        using (var adapters = LoraAdapters.Create(Base, LoraTestSupport.Config("q_proj,v_proj"), 1)) adapters.Save(dir.Path);
        new LoraConfig { Rank = 3, Alpha = 6, Targets = [LoraTarget.QProj] }.Save(dir.Path);
        var e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, Base));
        Assert.Contains("unexpected tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight'", e.Message);

        new LoraConfig { Rank = 3, Alpha = 6, Targets = [LoraTarget.QProj, LoraTarget.OProj] }.Save(dir.Path);
        e = Assert.Throws<RealmException>(() => LoraAdapters.Load(dir.Path, Base));
        Assert.Contains("missing tensor 'base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight'", e.Message);
    }
}
