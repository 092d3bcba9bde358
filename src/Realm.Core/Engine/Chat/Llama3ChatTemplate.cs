using System.Globalization;
using System.Text;

namespace Realm.Engine.Chat;

/// <summary>
/// Llama-3's format: BOS, then every message as
/// <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c> with the content
/// trimmed, and the generation prompt <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>.
/// Variants read from the template string: Llama-3.1/3.2 always open with a system block holding the
/// knowledge cutoff and today's date before the system message; the first Llama-3 release adds the
/// generation prompt whether asked or not.
/// </summary>
public sealed class Llama3ChatTemplate : ChatTemplate
{
    private const string EndOfTurn = "<|eot_id|>";

    /// <param name="bosToken">The tokenizer's BOS text (&lt;|begin_of_text|&gt;).</param>
    /// <param name="dateHeader">Llama-3.1/3.2's system block; null for Llama-3's plain messages.</param>
    /// <param name="alwaysAddsGenerationPrompt">The first Llama-3 template ignores add_generation_prompt.</param>
    public Llama3ChatTemplate(string bosToken, Llama3DateHeader? dateHeader = null, bool alwaysAddsGenerationPrompt = false)
    {
        BosToken = bosToken;
        DateHeader = dateHeader;
        AlwaysAddsGenerationPrompt = alwaysAddsGenerationPrompt;
    }

    public string BosToken { get; }
    public Llama3DateHeader? DateHeader { get; }
    public bool AlwaysAddsGenerationPrompt { get; }

    public override string Name => "llama3";
    public override IReadOnlyList<string> EndOfTurnTokens => [EndOfTurn];

    public override string Description =>
        "llama3" + (DateHeader != null ? $", system header with knowledge cutoff {DateHeader.KnowledgeCutoff} and "
            + (DateHeader.FixedDate ?? "today's date") : "")
        + (AlwaysAddsGenerationPrompt ? ", always ends with the assistant header" : "");

    protected override string RenderMessages(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateVariables variables)
    {
        var text = new StringBuilder(BosToken);
        IEnumerable<ChatMessage> turns = messages;
        if (DateHeader != null)
        {
            // The system message moves into the header block, which is there even without one.
            bool hasSystem = messages[0].Role == ChatRole.System;
            string date = variables.DateString ?? DateHeader.FixedDate ?? Today();
            AppendHeader(text, "system");
            text.Append("Cutting Knowledge Date: ").Append(DateHeader.KnowledgeCutoff).Append('\n');
            text.Append("Today Date: ").Append(date).Append("\n\n");
            text.Append(hasSystem ? PythonText.Strip(messages[0].Content) : "").Append(EndOfTurn);
            if (hasSystem) turns = messages.Skip(1);
        }
        foreach (ChatMessage message in turns)
        {
            AppendHeader(text, message.RoleName);
            text.Append(PythonText.Strip(message.Content)).Append(EndOfTurn);
        }
        if (addGenerationPrompt || AlwaysAddsGenerationPrompt) AppendHeader(text, "assistant");
        return text.ToString();
    }

    private static void AppendHeader(StringBuilder text, string role) =>
        text.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");

    // transformers' strftime_now("%d %b %Y"): the local date, English month abbreviation.
    private static string Today() => DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
}

/// <summary>
/// Llama-3.1/3.2's system block: "Cutting Knowledge Date: <paramref name="KnowledgeCutoff"/>" and "Today
/// Date: ...", where the date is <paramref name="FixedDate"/> (Llama-3.1's "26 Jul 2024") or, when null,
/// today's (Llama-3.2), unless the caller passes date_string.
/// </summary>
public sealed record Llama3DateHeader(string KnowledgeCutoff, string? FixedDate);
