using Realm.Engine.Tokenizers;

namespace Realm.Engine.Chat;

/// <summary>
/// How a conversation becomes the text a model reads. realm has no Jinja engine: it recognises the
/// families of templates found in tokenizer_config.json by their markers (<see cref="Detect"/>) and
/// renders them in C#, to exactly the text transformers renders for system, user and assistant messages.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>For models without a chat template: messages as plain lines (<see cref="PlainChatTemplate"/>).</summary>
    public static ChatTemplate None => PlainChatTemplate.Instance;

    /// <summary>The format: "none", "chatml" or "llama3".</summary>
    public abstract string Name { get; }

    /// <summary>One line for people: the format and what it adds (default system prompt, date header, ...).</summary>
    public abstract string Description { get; }

    /// <summary>Special tokens that close an assistant turn; generation stops at them.</summary>
    public abstract IReadOnlyList<string> EndOfTurnTokens { get; }

    /// <summary>
    /// The conversation as text. <paramref name="addGenerationPrompt"/> appends the opening of an assistant
    /// turn (transformers' <c>add_generation_prompt=True</c>), for the model to continue.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateVariables? variables = null)
    {
        if (messages.Count == 0) throw new ArgumentException("a conversation needs at least one message", nameof(messages));
        return RenderMessages(messages, addGenerationPrompt, variables ?? ChatTemplateVariables.Defaults);
    }

    protected abstract string RenderMessages(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ChatTemplateVariables variables);

    /// <summary>
    /// The rendered conversation as token ids. A template writes its own special tokens (BOS included)
    /// into the text, so the text is encoded as it is, as transformers' <c>apply_chat_template(tokenize=True)</c> does.
    /// </summary>
    public virtual int[] Encode(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        ChatTemplateVariables? variables = null) =>
        tokenizer.Encode(Render(messages, addGenerationPrompt, variables));

    /// <summary>The ids of <see cref="EndOfTurnTokens"/>; each must be a single token of <paramref name="tokenizer"/>.</summary>
    public int[] EndOfTurnIds(ITokenizer tokenizer) =>
        EndOfTurnTokens.Select(token => tokenizer.Encode(token) is [int id]
            ? id
            : throw new RealmException($"the {Name} chat template ends turns with '{token}', which is not a token of the tokenizer")).ToArray();

    /// <summary>
    /// The format of a tokenizer's chat_template (<see cref="BpeTokenizer.ChatTemplate"/>): none when it
    /// has no template. <paramref name="source"/> (the tokenizer_config.json path) prefixes errors.
    /// </summary>
    public static ChatTemplate For(ITokenizer tokenizer, string source) => tokenizer is BpeTokenizer bpe
        ? Detect(bpe.ChatTemplate, bpe.BosToken, source)
        : None;

    /// <summary>
    /// Recognises a Jinja chat template; a template of no known family is a <see cref="RealmException"/>
    /// naming <paramref name="source"/>. <paramref name="bosToken"/> is the tokenizer's BOS text, for
    /// templates that write it.
    /// </summary>
    public static ChatTemplate Detect(string? jinja, string? bosToken, string source) =>
        ChatTemplateDetector.Detect(jinja, bosToken, source);

    /// <summary>
    /// A format chosen by name instead of detected: "none", "chatml" (no default system prompt) or
    /// "llama3" (Llama-3-Instruct: BOS, headers, no date header).
    /// </summary>
    public static ChatTemplate Named(string name, string? bosToken) => name switch
    {
        "none" => None,
        "chatml" => new ChatMlTemplate(),
        "llama3" => new Llama3ChatTemplate(bosToken ?? ""),
        _ => throw new RealmException($"unknown chat template '{name}' (choose none, chatml or llama3)"),
    };
}
