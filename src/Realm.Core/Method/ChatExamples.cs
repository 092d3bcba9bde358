using Realm.Engine.Chat;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Method;

/// <summary>
/// MRPV prompts and answers in a model's chat format: the prompt text (<see cref="MrpvPrompts"/>) becomes a
/// user message and the expected completion the assistant's reply, so an instruction-tuned model (Qwen,
/// Llama-3) is trained and evaluated in the format it was tuned on. With <see cref="ChatTemplate.None"/>
/// (the project's own models) both stay exactly as they are. Pass fixed <see cref="ChatTemplateVariables"/>
/// (e.g. Llama-3.2's date) so training data does not depend on the day it is made.
/// </summary>
public static class ChatExamples
{
    /// <summary>What the model reads before answering: the user turn and the opening of the assistant's.</summary>
    public static string Prompt(ChatTemplate template, string prompt, ChatTemplateVariables? variables = null) =>
        template is PlainChatTemplate ? prompt : template.Render([new ChatMessage(ChatRole.User, prompt)], addGenerationPrompt: true, variables);

    /// <summary>
    /// The prompt as <see cref="Prompt"/> renders it and what follows it when the assistant's reply is
    /// <paramref name="completion"/>: the reply as the template writes it (Qwen3 puts an empty think block
    /// first, Llama-3 trims it) up to and including the end-of-turn token, which the model learns to emit.
    /// A template that would drop part of the completion, or open the reply differently from its
    /// generation prompt, is refused: Qwen3's keeps only the inside of the last <c>&lt;think&gt;</c> block
    /// and what follows it, so an MRPV answer's verify block would vanish.
    /// </summary>
    public static (string Prompt, string Completion) Render(ChatTemplate template, string prompt, string completion,
        ChatTemplateVariables? variables = null)
    {
        if (template is PlainChatTemplate) return (prompt, completion);
        string promptText = Prompt(template, prompt, variables);
        string full = template.Render([new ChatMessage(ChatRole.User, prompt), new ChatMessage(ChatRole.Assistant, completion)],
            addGenerationPrompt: false, variables);
        if (!full.StartsWith(promptText, StringComparison.Ordinal))
            throw new RealmException($"the chat template ({template.Description}) does not open this reply the way its generation " +
                "prompt does (Qwen3 with enable_thinking=false and a completion that has a think block?), so prompt and completion cannot be split");
        string endOfTurn = template.EndOfTurnTokens[0];
        int end = full.LastIndexOf(endOfTurn, StringComparison.Ordinal) + endOfTurn.Length;
        string reply = full[promptText.Length..end];
        RequireEveryLine(template, completion, reply);
        return (promptText, reply);
    }

    private static void RequireEveryLine(ChatTemplate template, string completion, string reply)
    {
        int at = 0;
        foreach (string line in completion.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0))
        {
            int found = reply.IndexOf(line, at, StringComparison.Ordinal);
            if (found < 0)
                throw new RealmException($"the chat template ({template.Description}) drops part of the completion, from '{line}' on; " +
                    "it cannot carry this answer format as it is");
            at = found + line.Length;
        }
    }

    /// <summary>The prompt's ids: the template's text as it is, or BOS + the text without a template.</summary>
    public static int[] EncodePrompt(ITokenizer tokenizer, ChatTemplate template, MrpvPrompt prompt, ChatTemplateVariables? variables = null) =>
        template is PlainChatTemplate ? tokenizer.EncodePrompt(prompt.Text) : tokenizer.Encode(Prompt(template, prompt.Text, variables));

    /// <summary>
    /// A training pair. Without a template: BOS + prompt, completion + EOS (as <see cref="TrainingExamples.Tokenize"/>).
    /// With one: the rendered prompt, and the rendered reply ending with the end-of-turn token.
    /// </summary>
    public static PromptCompletion Tokenize(ITokenizer tokenizer, ChatTemplate template, MrpvPrompt prompt, string completion,
        ChatTemplateVariables? variables = null)
    {
        if (template is PlainChatTemplate) return TrainingExamples.Tokenize(tokenizer, prompt, completion);
        var (promptText, completionText) = Render(template, prompt.Text, completion, variables);
        return new PromptCompletion(tokenizer.Encode(promptText), tokenizer.Encode(completionText));
    }
}
