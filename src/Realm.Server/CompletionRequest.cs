using Realm.Engine.Chat;

namespace Realm.Server;

/// <summary>
/// The parts of a /v1/chat/completions or /v1/completions body realm acts on. Null means "not given":
/// the model's generation_config.json, then realm's defaults, decide (<see cref="Engine.Generation.SamplingDefaults"/>).
/// </summary>
internal sealed record CompletionRequest
{
    public required string Model { get; init; }
    /// <summary>The conversation, for chat completions.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }
    /// <summary>The text to continue, for completions.</summary>
    public string? Prompt { get; init; }
    public int N { get; init; } = 1;
    public bool Stream { get; init; }
    /// <summary>stream_options.include_usage: a last chunk with the token counts.</summary>
    public bool IncludeUsage { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    /// <summary>top_k, an extension vLLM and llama.cpp also accept.</summary>
    public int? TopK { get; init; }
    /// <summary>repetition_penalty, an extension vLLM also accepts (Hugging Face's meaning).</summary>
    public float? RepetitionPenalty { get; init; }
    public int? MaxTokens { get; init; }
    /// <summary>The field max_tokens came from (max_tokens or max_completion_tokens), for error messages.</summary>
    public string MaxTokensParam { get; init; } = "max_tokens";
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>ignore_eos, an extension vLLM also accepts: no stop token ends the reply (benchmarks use it for fixed lengths).</summary>
    public bool IgnoreEos { get; init; }
    public long? Seed { get; init; }
}
