using System.Text.Json;
using Realm.Engine.Model;

namespace Realm.Tests.Model;

public class LlamaConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string Minimal = """
        {
          "hidden_size": 64,
          "intermediate_size": 172,
          "num_hidden_layers": 2,
          "num_attention_heads": 4,
          "vocab_size": 259
        }
        """;

    // Qwen2.5-0.5B's config.json, abridged to the keys that matter.
    private const string Qwen25 = """
        {
          "architectures": ["Qwen2ForCausalLM"],
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "hidden_act": "silu",
          "hidden_size": 896,
          "intermediate_size": 4864,
          "max_position_embeddings": 32768,
          "max_window_layers": 21,
          "model_type": "qwen2",
          "num_attention_heads": 14,
          "num_hidden_layers": 24,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_scaling": null,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    [Fact]
    public void Load_FillsDefaults()
    {
        LlamaConfig config = LlamaConfig.Load(Write(Minimal));

        Assert.Equal("llama", config.ModelType);
        Assert.Equal(64, config.HiddenSize);
        Assert.Equal(172, config.IntermediateSize);
        Assert.Equal(2, config.NumHiddenLayers);
        Assert.Equal(4, config.NumAttentionHeads);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(259, config.VocabSize);
        Assert.Equal(1e-6, config.RmsNormEps);
        Assert.Equal(10000, config.RopeTheta);
        Assert.Equal(2048, config.MaxPositionEmbeddings);
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Null(config.BosTokenId);
        Assert.Empty(config.EosTokenIds);
    }

    [Fact]
    public void Load_Qwen2()
    {
        LlamaConfig config = LlamaConfig.Load(Write(Qwen25));

        Assert.Equal("qwen2", config.ModelType);
        Assert.Equal(2, config.NumKeyValueHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.True(config.AttentionBias);
        Assert.False(config.OutputProjectionBias);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(1_000_000, config.RopeTheta);
        Assert.Equal(32768, config.MaxPositionEmbeddings);
        Assert.Equal(151643, config.BosTokenId);
        Assert.Equal([151645], config.EosTokenIds);
        Assert.Equal(494_032_768, config.ParameterCount); // the published size of Qwen2.5-0.5B
    }

    [Fact]
    public void Load_FromADirectory()
    {
        Directory.CreateDirectory(_temp.File("model"));
        File.WriteAllText(_temp.File("model/config.json"), Minimal);
        Assert.Equal(64, LlamaConfig.Load(_temp.File("model")).HiddenSize);
    }

    [Theory]
    [InlineData("\"model_type\": \"qwen2\", \"attention_bias\": false", "qwen2", false)]
    [InlineData("\"model_type\": \"llama\", \"attention_bias\": true", "llama", true)]
    [InlineData("\"architectures\": [\"Qwen2ForCausalLM\"]", "qwen2", true)]
    [InlineData("\"architectures\": [\"MistralForCausalLM\"], \"sliding_window\": null", "mistral", false)]
    public void Load_ResolvesModelTypeAndAttentionBias(string keys, string modelType, bool attentionBias)
    {
        LlamaConfig config = LlamaConfig.Load(Write(Minimal.Replace("{", "{" + keys + ",")));
        Assert.Equal(modelType, config.ModelType);
        Assert.Equal(attentionBias, config.AttentionBias);
    }

    [Theory]
    [InlineData("2", new[] { 2 })]
    [InlineData("[2, 5]", new[] { 2, 5 })]
    [InlineData("null", new int[0])]
    public void Load_ReadsEosAsOneIdOrAList(string eos, int[] expected)
    {
        LlamaConfig config = LlamaConfig.Load(Write(Minimal.Replace("{", $"{{\"eos_token_id\": {eos},")));
        Assert.Equal(expected, config.EosTokenIds);
    }

    [Fact]
    public void Load_ExplicitHeadDimAllowsIndivisibleHiddenSize()
    {
        LlamaConfig config = LlamaConfig.Load(Write(Minimal.Replace("\"hidden_size\": 64", "\"hidden_size\": 66, \"head_dim\": 16")));
        Assert.Equal(16, config.HeadDim);
    }

    [Fact]
    public void SaveThenLoad_RoundTrips()
    {
        var config = new LlamaConfig
        {
            ModelType = "qwen2",
            HiddenSize = 96,
            IntermediateSize = 256,
            NumHiddenLayers = 3,
            NumAttentionHeads = 6,
            NumKeyValueHeads = 2,
            HeadDim = 24,
            VocabSize = 300,
            RmsNormEps = 1e-5,
            RopeTheta = 500000,
            MaxPositionEmbeddings = 512,
            TieWordEmbeddings = true,
            AttentionBias = false,
            BosTokenId = 256,
            EosTokenIds = [257, 258],
        };
        string path = _temp.File("out/config.json");
        config.Save(path);

        Assert.Equal(config, LlamaConfig.Load(path));
    }

    [Fact]
    public void Save_WritesTheHuggingFaceKeys()
    {
        var config = new LlamaConfig
        {
            HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 2, NumAttentionHeads = 4, VocabSize = 259,
            BosTokenId = 256, EosTokenIds = [257],
        };
        Directory.CreateDirectory(_temp.File("model"));
        config.Save(_temp.File("model"));

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(_temp.File("model/config.json")));
        JsonElement root = json.RootElement;
        Assert.Equal(["LlamaForCausalLM"], root.GetProperty("architectures").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("llama", root.GetProperty("model_type").GetString());
        Assert.Equal("float32", root.GetProperty("torch_dtype").GetString());
        Assert.Equal("silu", root.GetProperty("hidden_act").GetString());
        Assert.Equal(4, root.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(16, root.GetProperty("head_dim").GetInt32());
        Assert.Equal(256, root.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(257, root.GetProperty("eos_token_id").GetInt32());
        Assert.False(root.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.False(root.GetProperty("attention_bias").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("rope_scaling").ValueKind);
        Assert.Equal(1e-6, root.GetProperty("rms_norm_eps").GetDouble());
    }

    [Fact]
    public void Save_Qwen2_NamesTheQwen2Architecture()
    {
        var config = new LlamaConfig
        {
            ModelType = "qwen2", HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 2, NumAttentionHeads = 4, VocabSize = 259,
        };
        string path = _temp.File("config.json");
        config.Save(path);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(["Qwen2ForCausalLM"], json.RootElement.GetProperty("architectures").EnumerateArray().Select(e => e.GetString()));
        Assert.True(json.RootElement.GetProperty("attention_bias").GetBoolean());
    }

    [Fact]
    public void ParameterCount_MatchesAHandCount()
    {
        var config = new LlamaConfig
        {
            HiddenSize = 4, IntermediateSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1, VocabSize = 10,
        };
        // embedding 40 + layer (q 16, k 8, v 8, o 16, mlp 96, norms 8) + final norm 4 + lm_head 40
        Assert.Equal(40 + 152 + 4 + 40, config.ParameterCount);
        // Llama's attention_bias adds q 4 + k 2 + v 2 + o 4.
        Assert.Equal(236 + 12, (config with { AttentionBias = true }).ParameterCount);
        Assert.Equal(236 - 40, (config with { TieWordEmbeddings = true }).ParameterCount);
    }

    [Fact]
    public void With_KeepsDerivedDefaultsDerived()
    {
        var config = new LlamaConfig { HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 2, NumAttentionHeads = 4, VocabSize = 259 };
        LlamaConfig wider = config with { HiddenSize = 128, NumAttentionHeads = 8 };
        Assert.Equal(8, wider.NumKeyValueHeads);
        Assert.Equal(16, wider.HeadDim);
    }

    [Fact]
    public void Equality_ComparesEffectiveValues()
    {
        var implicitDefaults = new LlamaConfig { HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 2, NumAttentionHeads = 4, VocabSize = 259, EosTokenIds = [1] };
        LlamaConfig spelledOut = implicitDefaults with { NumKeyValueHeads = 4, HeadDim = 16, AttentionBias = false, EosTokenIds = [1] };
        Assert.Equal(implicitDefaults, spelledOut);
        Assert.NotEqual(implicitDefaults, spelledOut with { EosTokenIds = [2] });
    }

    [Fact]
    public void Validate_NamesTheSource()
    {
        var config = new LlamaConfig { HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 0, NumAttentionHeads = 4, VocabSize = 259 };
        var error = Assert.Throws<RealmException>(() => config.Validate("preset 'tiny'"));
        Assert.Equal("preset 'tiny': num_hidden_layers must be positive, got 0", error.Message);
    }

    [Fact]
    public void Load_MissingFile()
    {
        string path = _temp.File("config.json");
        Assert.Equal($"{path}: file not found", Assert.Throws<RealmException>(() => LlamaConfig.Load(path)).Message);
    }

    [Fact]
    public void Load_DirectoryWithoutConfig_NamesTheExpectedFile()
    {
        var error = Assert.Throws<RealmException>(() => LlamaConfig.Load(_temp.Path));
        Assert.Equal($"{Path.Combine(_temp.Path, "config.json")}: file not found", error.Message);
    }

    [Fact]
    public void Load_InvalidJson_GivesTheLine()
    {
        string path = Write("{\n  \"hidden_size\": 64,\n  \"vocab_size\": oops\n}");
        AssertLoadFails(path, "invalid JSON at line 3");
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("vocab_size")]
    public void Load_MissingRequiredKey(string key)
    {
        using JsonDocument minimal = JsonDocument.Parse(Minimal);
        var without = minimal.RootElement.EnumerateObject().Where(p => p.Name != key).ToDictionary(p => p.Name, p => p.Value);
        AssertLoadFails(Write(JsonSerializer.Serialize(without)), $"missing required key '{key}'");
    }

    [Theory]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": \"64\"", "key 'hidden_size' must be an integer, got \"64\"")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": 64.5", "key 'hidden_size' must be an integer, got 64.5")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"tie_word_embeddings\": \"yes\"", "key 'tie_word_embeddings' must be true or false")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"rms_norm_eps\": \"small\"", "key 'rms_norm_eps' must be a number")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"eos_token_id\": \"</s>\"", "key 'eos_token_id' must be an integer or a list of integers")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"architectures\": \"LlamaForCausalLM\"", "key 'architectures' must be a list of strings")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": 0", "hidden_size must be positive, got 0")]
    [InlineData("\"num_hidden_layers\": 2", "\"num_hidden_layers\": -1", "num_hidden_layers must be positive, got -1")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"num_key_value_heads\": 3", "num_attention_heads (4) must be divisible by num_key_value_heads (3)")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": 66", "hidden_size (66) must be divisible by num_attention_heads (4) unless head_dim is given")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"rms_norm_eps\": 0", "rms_norm_eps must be positive")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"bos_token_id\": 259", "bos_token_id 259 is outside the vocabulary (vocab_size 259)")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"model_type\": \"gpt2\"", "unsupported architecture 'gpt2' (supported: llama/LlamaForCausalLM, qwen2/Qwen2ForCausalLM, mistral/MistralForCausalLM)")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"architectures\": [\"GPT2LMHeadModel\"]", "unsupported architecture 'GPT2LMHeadModel'")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"model_type\": \"llama\", \"architectures\": [\"Qwen2ForCausalLM\"]", "architectures lists 'Qwen2ForCausalLM' but model_type is 'llama'")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"model_type\": \"mistral\", \"sliding_window\": 4096", "sliding_window 4096 is not supported")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"model_type\": \"qwen2\", \"use_sliding_window\": true", "use_sliding_window true is not supported")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"hidden_act\": \"gelu\"", "unsupported hidden_act 'gelu' (only silu)")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", "rope_scaling is not supported (got {\"type\": \"linear\", \"factor\": 2.0})")]
    [InlineData("\"vocab_size\": 259", "\"vocab_size\": 259, \"mlp_bias\": true", "mlp_bias true is not supported")]
    public void Load_RejectsBadConfigs(string find, string replace, string expected)
    {
        Assert.Contains(find, Minimal);
        AssertLoadFails(Write(Minimal.Replace(find, replace)), expected);
    }

    [Fact]
    public void Load_RootNotAnObject()
    {
        AssertLoadFails(Write("[64]"), "expected a JSON object, got Array");
    }

    private string Write(string json)
    {
        string path = _temp.File($"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static void AssertLoadFails(string path, string expected)
    {
        var error = Assert.Throws<RealmException>(() => LlamaConfig.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
