using System.Text;

namespace Realm.Engine.Chat;

/// <summary>
/// ChatML as the Qwen2, Qwen2.5 and Qwen3 templates write it: every message is
/// <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>, and the generation prompt is
/// <c>&lt;|im_start|&gt;assistant\n</c>. Variants, each read from the template string:
/// a default system prompt put first when the conversation does not start with a system message (Qwen2,
/// Qwen2.5); a BOS text first (Hermes-3, InternLM2); and Qwen3's reasoning handling.
/// </summary>
public sealed class ChatMlTemplate : ChatTemplate
{
    private const string Start = "<|im_start|>", End = "<|im_end|>";
    private const string ThinkOpen = "<think>", ThinkClose = "</think>";

    /// <param name="defaultSystemPrompt">Put first when the first message is not a system message; null for none.</param>
    /// <param name="bosToken">Text written before everything; null for none.</param>
    /// <param name="separatesReasoning">
    /// Qwen3: an assistant message's <c>&lt;think&gt;</c> block is dropped from turns before the last user
    /// message and rewritten as <c>&lt;think&gt;\n...\n&lt;/think&gt;\n\n</c> after it (empty for the final
    /// message); <c>enable_thinking=false</c> opens the generation prompt with an empty think block.
    /// </param>
    public ChatMlTemplate(string? defaultSystemPrompt = null, string? bosToken = null, bool separatesReasoning = false)
    {
        DefaultSystemPrompt = defaultSystemPrompt;
        BosToken = bosToken;
        SeparatesReasoning = separatesReasoning;
    }

    public string? DefaultSystemPrompt { get; }
    public string? BosToken { get; }
    public bool SeparatesReasoning { get; }

    public override string Name => "chatml";
    public override IReadOnlyList<string> EndOfTurnTokens => [End];

    public override string Description =>
        "chatml" + (BosToken != null ? ", BOS first" : "")
        + (DefaultSystemPrompt != null ? $", default system prompt \"{DefaultSystemPrompt}\"" : "")
        + (SeparatesReasoning ? ", Qwen3 think blocks" : "");

    protected override string RenderMessages(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateVariables variables)
    {
        var text = new StringBuilder(BosToken);
        if (DefaultSystemPrompt != null && messages[0].Role != ChatRole.System) AppendTurn(text, "system", DefaultSystemPrompt);
        int lastQuery = SeparatesReasoning ? LastQueryIndex(messages) : -1;
        for (int i = 0; i < messages.Count; i++)
        {
            if (SeparatesReasoning && messages[i].Role == ChatRole.Assistant)
                AppendReasoningTurn(text, messages[i].Content, afterLastQuery: i > lastQuery, isLast: i == messages.Count - 1);
            else
                AppendTurn(text, messages[i].RoleName, messages[i].Content);
        }
        if (addGenerationPrompt)
        {
            text.Append(Start).Append("assistant\n");
            if (SeparatesReasoning && variables.EnableThinking == false) text.Append(ThinkOpen).Append("\n\n").Append(ThinkClose).Append("\n\n");
        }
        return text.ToString();
    }

    private static void AppendTurn(StringBuilder text, string role, string content) =>
        text.Append(Start).Append(role).Append('\n').Append(content).Append(End).Append('\n');

    // Qwen3's ns.last_query_index: the last user message that is not a wrapped tool response, else the last message.
    private static int LastQueryIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            string content = messages[i].Content;
            bool toolResponse = content.StartsWith("<tool_response>", StringComparison.Ordinal)
                && content.EndsWith("</tool_response>", StringComparison.Ordinal);
            if (messages[i].Role == ChatRole.User && !toolResponse) return i;
        }
        return messages.Count - 1;
    }

    // Qwen3's assistant branch, with Python's split/strip semantics ([-1] is the last part).
    private static void AppendReasoningTurn(StringBuilder text, string content, bool afterLastQuery, bool isLast)
    {
        string reasoning = "";
        if (content.Contains(ThinkClose, StringComparison.Ordinal))
        {
            string[] parts = content.Split(ThinkClose);
            reasoning = parts[0].TrimEnd('\n').Split(ThinkOpen)[^1].TrimStart('\n');
            content = parts[^1].TrimStart('\n');
        }
        text.Append(Start).Append("assistant\n");
        if (afterLastQuery && (isLast || reasoning.Length > 0))
            text.Append(ThinkOpen).Append('\n').Append(reasoning.Trim('\n')).Append('\n').Append(ThinkClose).Append("\n\n").Append(content.TrimStart('\n'));
        else
            text.Append(content);
        text.Append(End).Append('\n');
    }
}
