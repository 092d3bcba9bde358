using System.Text.Json.Nodes;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Chat;

/// <summary>Tiny random model directories for chat tests: one with a ChatML tokenizer and template, one with the byte tokenizer.</summary>
public static class ChatModels
{
    private static readonly string[] s_documents = Enumerable.Range(0, 40)
        .Select(i => $"Hello there! What is {i} + {i % 7}? It is {i + i % 7}. Tell me a joke, please. Thanks, see you.").ToArray();

    /// <summary>
    /// A BPE tokenizer learned from a little text with ChatML's tokens, Qwen2.5's real chat template and
    /// &lt;|im_end|&gt; as EOS, and a random model over its vocabulary.
    /// </summary>
    public static string CreateChatMl(TempDirectory dir, string name = "chatml")
    {
        string model = dir.File(name);
        int vocab = SaveChatMlTokenizer(model);
        SaveRandomModel(model, NewConfig(vocab));
        return model;
    }

    /// <summary>
    /// A Hugging Face Qwen2 directory as a user has one, in miniature: model_type qwen2 (q/k/v biases), an
    /// untied output head, vocab_size padded beyond the tokenizer's ids as Qwen's is, and the ChatML
    /// tokenizer with Qwen2.5's chat template. <paramref name="hidden"/> and <paramref name="layers"/> vary the shape.
    /// </summary>
    public static string CreateQwen2(TempDirectory dir, string name = "qwen2", int hidden = 32, int layers = 2)
    {
        string model = dir.File(name);
        int vocab = SaveChatMlTokenizer(model);
        SaveRandomModel(model, NewConfig(vocab + 8) with
        {
            ModelType = "qwen2", HiddenSize = hidden, NumHiddenLayers = layers, TieWordEmbeddings = false, RopeTheta = 1e6,
        });
        return model;
    }

    private static int SaveChatMlTokenizer(string model)
    {
        Directory.CreateDirectory(model);
        var tokenizer = BpeTrainer.Train(s_documents, new BpeTrainerOptions { VocabSize = 400, ExtraSpecialTokens = ["<|im_start|>", "<|im_end|>"] });
        tokenizer.Save(model);
        string configPath = Path.Combine(model, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["eos_token"] = "<|im_end|>";
        config["chat_template"] = ChatTemplateFixtures.Templates["qwen2.5"].Jinja;
        File.WriteAllText(configPath, config.ToJsonString());
        return tokenizer.VocabSize;
    }

    /// <summary>The project's own kind of model: the byte tokenizer, no chat template.</summary>
    public static string CreatePlain(TempDirectory dir, string name = "plain")
    {
        string model = dir.File(name);
        Directory.CreateDirectory(model);
        var tokenizer = new ByteTokenizer();
        tokenizer.Save(model);
        SaveRandomModel(model, NewConfig(tokenizer.VocabSize));
        return model;
    }

    private static LlamaConfig NewConfig(int vocabSize) => new()
    {
        HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        VocabSize = vocabSize, MaxPositionEmbeddings = 512, TieWordEmbeddings = true,
    };

    private static void SaveRandomModel(string directory, LlamaConfig config)
    {
        config.Validate("test config");
        using var cpu = new Cpu(1, SimdSupport.Best);
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(5, std: 0.3f);
        model.Save(directory);
    }
}
