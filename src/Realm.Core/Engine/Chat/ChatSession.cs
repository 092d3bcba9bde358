using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Engine.Chat;

/// <summary>How a <see cref="ChatSession"/> talks: system prompt, decoding and context size.</summary>
public sealed record ChatSessionOptions
{
    /// <summary>The first message of every conversation, if any.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>What the user set; the rest comes from <see cref="GenerationConfig"/> (<see cref="SamplingDefaults"/>).</summary>
    public SamplingRequest Sampling { get; init; } = new();

    public GenerationConfig? GenerationConfig { get; init; }

    /// <summary>Longest reply when neither the user nor generation_config.json says.</summary>
    public int DefaultMaxNewTokens { get; init; } = 512;

    /// <summary>Ids that end a reply besides the template's end-of-turn tokens (EOS ids).</summary>
    public IReadOnlyList<int> StopTokens { get; init; } = [];

    /// <summary>Tokens of conversation plus reply the KV cache holds; older turns are dropped to stay within it.</summary>
    public int ContextLength { get; init; } = 4096;

    public ChatTemplateVariables Variables { get; init; } = ChatTemplateVariables.Defaults;
}

/// <summary>A reply: its text, the tokens behind it, and what the turn cost.</summary>
public sealed record ChatReply(string Text, Completion Completion, int PromptTokens, int ReusedTokens, int DroppedMessages);

/// <summary>
/// A multi-turn conversation with a model. Each turn renders the whole conversation with the chat
/// template (as transformers would), streams the reply, and computes only the tokens the KV cache does not
/// already hold from earlier turns. Turn n samples with seed + n, so a conversation is reproducible.
/// </summary>
public sealed class ChatSession : IDisposable
{
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly ChatSessionOptions _options;
    private readonly StreamingGenerator _generator;
    private readonly int[] _stops;
    private readonly List<ChatMessage> _messages = [];
    private int _turn;

    public ChatSession(LlamaModel model, ITokenizer tokenizer, ChatTemplate template, ChatSessionOptions options)
    {
        _tokenizer = tokenizer;
        _template = template;
        _options = options;
        _stops = [.. options.StopTokens.Concat(template.EndOfTurnIds(tokenizer)).Distinct()];
        _generator = new StreamingGenerator(model, options.ContextLength);
        Reset();
    }

    public IReadOnlyList<ChatMessage> Messages => _messages;

    /// <summary>Starts a new conversation (keeping the system prompt).</summary>
    public void Reset()
    {
        _messages.Clear();
        if (_options.SystemPrompt != null) _messages.Add(new ChatMessage(ChatRole.System, _options.SystemPrompt));
        _turn = 0;
    }

    /// <summary>
    /// Adds the user's message, generates the reply (handing each printable piece to <paramref name="onText"/>)
    /// and adds it to the conversation. When the conversation no longer fits the context, its oldest
    /// exchanges are dropped (the system prompt stays); a message that cannot fit even alone is refused
    /// and the conversation is left as it was.
    /// </summary>
    public ChatReply Send(string userText, Action<string>? onText = null)
    {
        _messages.Add(new ChatMessage(ChatRole.User, userText));
        var (prompt, options, dropped) = FitToContext();
        var text = new IncrementalDecoder(_tokenizer);
        var stops = new HashSet<int>(_stops);
        var completion = _generator.Generate(prompt, options, token =>
        {
            if (stops.Contains(token)) return;
            string piece = text.Push(token);
            if (piece.Length > 0) onText?.Invoke(piece);
        });
        string rest = text.Flush();
        if (rest.Length > 0) onText?.Invoke(rest);

        string reply = text.Text;
        _messages.Add(new ChatMessage(ChatRole.Assistant, reply));
        _turn++;
        return new ChatReply(reply, completion, prompt.Length, _generator.ReusedTokens, dropped);
    }

    private (int[] Prompt, SamplingOptions Options, int Dropped) FitToContext()
    {
        var before = _messages.Take(_messages.Count - 1).ToList();
        int dropped = 0;
        while (true)
        {
            int[] prompt = _template.Encode(_tokenizer, _messages, addGenerationPrompt: true, _options.Variables);
            var options = SamplingDefaults.Resolve(_options.Sampling with { Seed = _options.Sampling.Seed + (ulong)_turn },
                _options.GenerationConfig, prompt.Length, _options.DefaultMaxNewTokens) with { StopTokens = _stops };
            if (prompt.Length + options.MaxNewTokens <= _generator.MaxLength) return (prompt, options, dropped);

            int oldest = _messages.FindIndex(message => message.Role != ChatRole.System);
            if (oldest == _messages.Count - 1)
            {
                _messages.Clear();
                _messages.AddRange(before);
                throw new RealmException(
                    $"the message takes {prompt.Length} tokens; with up to {options.MaxNewTokens} new tokens that exceeds the context of {_generator.MaxLength} tokens");
            }
            // Drop the oldest exchange: the user message and the replies up to the next user message.
            do { _messages.RemoveAt(oldest); dropped++; }
            while (oldest < _messages.Count - 1 && _messages[oldest].Role != ChatRole.User);
        }
    }

    public void Dispose() => _generator.Dispose();
}
