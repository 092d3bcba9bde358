namespace Realm.Engine.Chat;

/// <summary>
/// Template variables beyond the messages, as transformers' <c>apply_chat_template(..., **kwargs)</c> passes
/// them; null leaves the template's own default. Templates that do not read a variable ignore it.
/// </summary>
public sealed record ChatTemplateVariables
{
    public static readonly ChatTemplateVariables Defaults = new();

    /// <summary>
    /// Llama-3.1/3.2: <c>date_string</c>, the "Today Date" of the system header, e.g. "26 Jul 2024". By
    /// default Llama-3.2 shows today's date (transformers' <c>strftime_now</c>) and Llama-3.1 its fixed one.
    /// </summary>
    public string? DateString { get; init; }

    /// <summary>Qwen3: <c>enable_thinking</c>; false opens the reply with an empty think block, so the model answers without reasoning first.</summary>
    public bool? EnableThinking { get; init; }
}
