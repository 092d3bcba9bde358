using Realm.Engine.Chat;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Method;

/// <summary>
/// How one model reads MRPV prompts and writes its answers, in token ids: its tokenizer, and its chat
/// template when it has one (<see cref="ChatExamples"/>). The trainers, the evaluator and the methods
/// encode, stop and decode through it, so the project's own models (plain text after BOS, ending at EOS)
/// and instruction-tuned Hugging Face models (a user turn and the assistant's reply, ending at the
/// end-of-turn token) go through the same code.
/// </summary>
public sealed class PromptFormat
{
    /// <summary>
    /// Template variables fixed for training and evaluation: Llama-3.2's template would otherwise write
    /// today's date into every prompt, so data made on different days would differ. This is the date
    /// Llama-3.1's own template fixes.
    /// </summary>
    public static readonly ChatTemplateVariables FixedVariables = new() { DateString = "26 Jul 2024" };

    public ITokenizer Tokenizer { get; }
    public ChatTemplate Template { get; }

    /// <summary>Ids that end an answer: the tokenizer's EOS and the template's end-of-turn tokens.</summary>
    public IReadOnlyList<int> StopIds { get; }

    public PromptFormat(ITokenizer tokenizer, ChatTemplate template)
    {
        Tokenizer = tokenizer;
        Template = template;
        StopIds = [.. tokenizer.StopIds().Concat(template.EndOfTurnIds(tokenizer)).Distinct()];
    }

    /// <summary>The project's convention for models without a chat template: BOS + prompt text, answer + EOS.</summary>
    public static PromptFormat Plain(ITokenizer tokenizer) => new(tokenizer, ChatTemplate.None);

    /// <summary>The format of a model directory's tokenizer: its tokenizer_config.json chat_template, or plain without one.</summary>
    public static PromptFormat ForModel(ITokenizer tokenizer, string modelDirectory) =>
        new(tokenizer, ChatTemplate.For(tokenizer, Path.Combine(modelDirectory, "tokenizer_config.json")));

    public int[] EncodePrompt(MrpvPrompt prompt) => ChatExamples.EncodePrompt(Tokenizer, Template, prompt, FixedVariables);

    /// <summary>A training pair: the prompt as the model reads it, and the answer ending with the stop token it must learn.</summary>
    public PromptCompletion Tokenize(MrpvPrompt prompt, string completion) =>
        ChatExamples.Tokenize(Tokenizer, Template, prompt, completion, FixedVariables);

    /// <summary>
    /// The text of generated ids without the stop token that ended them. Ids beyond the tokenizer's
    /// vocabulary (a Hugging Face model's padded embedding rows) become &lt;|id:N|&gt; rather than an error.
    /// </summary>
    public string DecodeCompletion(int[] ids)
    {
        int length = ids.Length > 0 && StopIds.Contains(ids[^1]) ? ids.Length - 1 : ids.Length;
        return Tokenizer.DecodeForDisplay(ids.AsSpan(0, length));
    }
}
