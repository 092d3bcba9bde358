using Realm.Engine.Tokenizers;

namespace Realm.Engine.Chat;

/// <summary>
/// The convention for models without a chat template (the project's own): each message is its text and a
/// newline, with nothing marking who speaks, after the tokenizer's BOS as every training document starts.
/// A reply ends at the tokenizer's EOS (or the length limit).
/// </summary>
public sealed class PlainChatTemplate : ChatTemplate
{
    public static readonly PlainChatTemplate Instance = new();

    private PlainChatTemplate() { }

    public override string Name => "none";
    public override string Description => "none (plain text: each message on its own line)";
    public override IReadOnlyList<string> EndOfTurnTokens => [];

    protected override string RenderMessages(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateVariables variables) =>
        string.Concat(messages.Select(message => message.Content + "\n"));

    public override int[] Encode(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        ChatTemplateVariables? variables = null) =>
        tokenizer.EncodePrompt(Render(messages, addGenerationPrompt, variables));
}
