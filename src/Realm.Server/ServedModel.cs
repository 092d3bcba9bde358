using Realm.Engine.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Server;

/// <summary>
/// A model directory as the server uses it: weights, tokenizer, chat format, generation defaults and the
/// ids that end a reply. Loads anything realm writes and Hugging Face Llama / Qwen2 / Mistral directories
/// with a tokenizer.json.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private ServedModel(string name, LlamaModel model, ITokenizer tokenizer, ChatTemplate template, GenerationConfig? generation)
    {
        Name = name;
        Model = model;
        Tokenizer = tokenizer;
        Template = template;
        Generation = generation;
        TextStopIds = SamplingDefaults.StopTokens(generation, tokenizer, model.Config);
        ChatStopIds = [.. TextStopIds.Concat(template.EndOfTurnIds(tokenizer)).Distinct()];
    }

    /// <summary>The id clients pass as "model".</summary>
    public string Name { get; }
    public LlamaModel Model { get; }
    public ITokenizer Tokenizer { get; }
    public ChatTemplate Template { get; }
    public GenerationConfig? Generation { get; }
    /// <summary>Ids that end a completion: generation_config.json's eos_token_id and the tokenizer's EOS.</summary>
    public int[] TextStopIds { get; }
    /// <summary>Ids that end a chat reply: those and the chat template's end-of-turn tokens.</summary>
    public int[] ChatStopIds { get; }

    /// <summary>
    /// Loads <paramref name="directory"/>. <paramref name="name"/> defaults to the directory's name;
    /// <paramref name="template"/> is auto (tokenizer_config.json's chat_template), none, chatml or llama3;
    /// <paramref name="weights"/> how the weights are held (<see cref="ModelWeights"/>).
    /// </summary>
    public static ServedModel Load(string directory, Cpu cpu, string? name = null, string template = "auto",
        WeightsChoice weights = WeightsChoice.Auto)
    {
        var model = ModelWeights.Load(weights, directory, cpu);
        try
        {
            if (!File.Exists(Path.Combine(directory, TokenizerLoader.FileName)))
                throw new RealmException($"{directory}: no {TokenizerLoader.FileName}; serving needs the model's tokenizer");
            var tokenizer = TokenizerLoader.Load(directory);
            var chat = template == "auto"
                ? ChatTemplate.For(tokenizer, Path.Combine(directory, "tokenizer_config.json"))
                : ChatTemplate.Named(template, tokenizer.BosId is int bos ? tokenizer.Decode([bos]) : null);
            string id = name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
            return new ServedModel(id, model, tokenizer, chat, GenerationConfig.LoadIfPresent(directory));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The conversation in the model's chat format, opened for the assistant's reply.</summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages) => Template.Encode(Tokenizer, messages, addGenerationPrompt: true);

    /// <summary>A completion prompt: the tokenizer's BOS (if any) and the text, as realm generate reads it.</summary>
    public int[] EncodeText(string prompt) => Tokenizer.EncodePrompt(prompt);

    public void Dispose() => Model.Dispose();
}
