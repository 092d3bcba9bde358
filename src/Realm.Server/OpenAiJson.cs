using System.Text.Json.Nodes;

namespace Realm.Server;

/// <summary>The response bodies and stream chunks of OpenAI's chat completions, completions and models APIs.</summary>
internal static class OpenAiJson
{
    public static JsonObject Usage(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };

    public static JsonObject ChatCompletion(string id, long created, string model, IEnumerable<ChoiceResult> choices, int promptTokens)
    {
        var list = choices.ToList();
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray([.. list.Select(c => (JsonNode)new JsonObject
            {
                ["index"] = c.Index,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = c.Text, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = c.FinishReason,
            })]),
            ["usage"] = Usage(promptTokens, list.Sum(c => c.CompletionTokens)),
        };
    }

    /// <summary>One chunk of a streamed chat completion: a delta of one choice, or its end (finish given, empty delta).</summary>
    public static JsonObject ChatChunk(string id, long created, string model, int index, string? role, string? content, string? finish)
    {
        var delta = new JsonObject();
        if (role != null) delta["role"] = role;
        if (content != null) delta["content"] = content;
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = index,
                ["delta"] = delta,
                ["logprobs"] = null,
                ["finish_reason"] = finish,
            }),
        };
    }

    public static JsonObject TextCompletion(string id, long created, string model, IEnumerable<ChoiceResult> choices, int promptTokens)
    {
        var list = choices.ToList();
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "text_completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray([.. list.Select(c => (JsonNode)TextChoice(c.Index, c.Text, c.FinishReason))]),
            ["usage"] = Usage(promptTokens, list.Sum(c => c.CompletionTokens)),
        };
    }

    public static JsonObject TextChunk(string id, long created, string model, int index, string text, string? finish) => new()
    {
        ["id"] = id,
        ["object"] = "text_completion",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = new JsonArray(TextChoice(index, text, finish)),
    };

    /// <summary>The last chunk of a stream asked to include usage: no choices, the token counts.</summary>
    public static JsonObject UsageChunk(string id, long created, string model, string kind, int promptTokens, int completionTokens) => new()
    {
        ["id"] = id,
        ["object"] = kind,
        ["created"] = created,
        ["model"] = model,
        ["choices"] = new JsonArray(),
        ["usage"] = Usage(promptTokens, completionTokens),
    };

    public static JsonObject Models(string model, long created) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject
        {
            ["id"] = model,
            ["object"] = "model",
            ["created"] = created,
            ["owned_by"] = "realm",
        }),
    };

    private static JsonObject TextChoice(int index, string text, string? finish) => new()
    {
        ["text"] = text,
        ["index"] = index,
        ["logprobs"] = null,
        ["finish_reason"] = finish,
    };
}
