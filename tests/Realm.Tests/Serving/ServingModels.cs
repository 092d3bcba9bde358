using System.Text.Json.Nodes;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Tests.Chat;

namespace Realm.Tests.Serving;

/// <summary>
/// Tiny random model directories for serving tests, with a context long enough for a teacher prompt
/// (rulebook + example, ~1,000 bytes): one of the project's own kind (byte tokenizer, no chat template)
/// and a Hugging Face kind (BPE tokenizer, Qwen2.5's chat template, &lt;|im_end|&gt; as EOS).
/// </summary>
public static class ServingModels
{
    public const int Context = 2048;

    public static string CreatePlain(TempDirectory dir, string name = "plain-model")
    {
        string model = dir.File(name);
        Directory.CreateDirectory(model);
        var tokenizer = new ByteTokenizer();
        tokenizer.Save(model);
        SaveRandomModel(model, tokenizer.VocabSize);
        return model;
    }

    /// <summary>
    /// A plain model large enough (8M parameters) that one sequence decodes at only a few hundred tokens
    /// per second: long generations stay under way for seconds, for tests that need a busy server.
    /// </summary>
    public static string CreateSlow(TempDirectory dir, string name = "slow-model")
    {
        string model = dir.File(name);
        Directory.CreateDirectory(model);
        var tokenizer = new ByteTokenizer();
        tokenizer.Save(model);
        SaveRandomModel(model, tokenizer.VocabSize, hidden: 512, layers: 4);
        return model;
    }

    public static string CreateChatMl(TempDirectory dir, string name = "chatml-model")
    {
        string model = dir.File(name);
        Directory.CreateDirectory(model);
        string[] documents = [.. Enumerable.Range(0, 40).Select(i => $"Hello there! What is {i} + {i % 7}? It is {i + i % 7}. Tell me a joke, please.")];
        var tokenizer = BpeTrainer.Train(documents, new BpeTrainerOptions { VocabSize = 400, ExtraSpecialTokens = ["<|im_start|>", "<|im_end|>"] });
        tokenizer.Save(model);
        string configPath = Path.Combine(model, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["eos_token"] = "<|im_end|>";
        config["chat_template"] = ChatTemplateFixtures.Templates["qwen2.5"].Jinja;
        File.WriteAllText(configPath, config.ToJsonString());
        SaveRandomModel(model, tokenizer.VocabSize);
        return model;
    }

    private static void SaveRandomModel(string directory, int vocabSize, int hidden = 32, int layers = 2)
    {
        var config = new LlamaConfig
        {
            HiddenSize = hidden, IntermediateSize = 2 * hidden, NumHiddenLayers = layers, NumAttentionHeads = 4, NumKeyValueHeads = 2,
            VocabSize = vocabSize, MaxPositionEmbeddings = Context, TieWordEmbeddings = true,
        }.Validate("test config");
        using var cpu = new Cpu(1, SimdSupport.Best);
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(5, std: 0.3f);
        model.Save(directory);
    }
}
