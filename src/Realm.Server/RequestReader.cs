using System.Text.Json;
using Realm.Engine.Chat;

namespace Realm.Server;

/// <summary>
/// Reads a request body into a <see cref="CompletionRequest"/>, with OpenAI's 400 errors naming the field
/// for anything missing, mistyped or out of range. Fields realm does not know are ignored.
/// </summary>
internal static class RequestReader
{
    private const int MaxStopSequences = 4;

    public static CompletionRequest ReadChat(JsonElement body) => Common(body) with { Messages = Messages(body) };

    public static CompletionRequest ReadCompletion(JsonElement body) => Common(body) with { Prompt = Prompt(body) };

    private static CompletionRequest Common(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("The request body must be a JSON object.");
        string model = Optional(body, "model") is { } m ? String(m, "model") : throw ApiException.BadRequest("You must provide a model parameter.", "model");
        bool completionTokens = Optional(body, "max_completion_tokens") != null;
        string maxParam = completionTokens ? "max_completion_tokens" : "max_tokens";
        return new CompletionRequest
        {
            Model = model,
            N = Int(body, "n", min: 1) ?? 1,
            Stream = Optional(body, "stream") is { } s && Bool(s, "stream"),
            IncludeUsage = Optional(body, "stream_options") is { } so && so.ValueKind == JsonValueKind.Object
                && Optional(so, "include_usage") is { } iu && Bool(iu, "stream_options.include_usage"),
            Temperature = Number(body, "temperature", t => t is >= 0 and <= 2, "must be between 0 and 2"),
            TopP = Number(body, "top_p", p => p is > 0 and <= 1, "must be greater than 0 and at most 1"),
            TopK = Int(body, "top_k", min: 0),
            RepetitionPenalty = Number(body, "repetition_penalty", r => r > 0, "must be greater than 0"),
            MaxTokens = Int(body, maxParam, min: 1),
            MaxTokensParam = maxParam,
            Stop = Stop(body),
            IgnoreEos = Optional(body, "ignore_eos") is { } ignoreEos && Bool(ignoreEos, "ignore_eos"),
            Seed = Optional(body, "seed") is { } seed
                ? seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out long value) ? value : throw WrongType("seed", "an integer", seed)
                : null,
        };
    }

    private static IReadOnlyList<ChatMessage> Messages(JsonElement body)
    {
        if (Optional(body, "messages") is not { } messages) throw ApiException.BadRequest("Missing required parameter: 'messages'.", "messages");
        if (messages.ValueKind != JsonValueKind.Array) throw WrongType("messages", "an array", messages);
        if (messages.GetArrayLength() == 0) throw ApiException.BadRequest("'messages' must contain at least one message.", "messages", "empty_array");
        var list = new List<ChatMessage>();
        int i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string where = $"messages[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw WrongType(where, "an object", message);
            string role = Optional(message, "role") is { } r ? String(r, where + ".role") : throw ApiException.BadRequest($"Missing required parameter: '{where}.role'.", where + ".role");
            var chatRole = role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                _ => throw ApiException.InvalidValue(where + ".role", $"Invalid value: '{role}'. realm supports the roles 'system', 'developer', 'user' and 'assistant'."),
            };
            list.Add(new ChatMessage(chatRole, Content(message, where, chatRole)));
        }
        return list;
    }

    // A string, or an array of text parts; an assistant message may have none (null).
    private static string Content(JsonElement message, string where, ChatRole role)
    {
        var content = Optional(message, "content");
        if (content == null)
            return role == ChatRole.Assistant ? "" : throw ApiException.BadRequest($"Missing required parameter: '{where}.content'.", where + ".content");
        if (content.Value.ValueKind == JsonValueKind.String) return content.Value.GetString()!;
        if (content.Value.ValueKind != JsonValueKind.Array) throw WrongType(where + ".content", "a string or an array of text parts", content.Value);
        var text = new System.Text.StringBuilder();
        int i = 0;
        foreach (var part in content.Value.EnumerateArray())
        {
            string partWhere = $"{where}.content[{i++}]";
            if (part.ValueKind != JsonValueKind.Object || Optional(part, "type") is not { ValueKind: JsonValueKind.String } type)
                throw ApiException.BadRequest($"'{partWhere}' must be an object with a 'type'.", partWhere);
            if (type.GetString() != "text")
                throw ApiException.InvalidValue(partWhere + ".type", $"Invalid value: '{type.GetString()}'. realm accepts only text content parts.");
            text.Append(Optional(part, "text") is { } t ? String(t, partWhere + ".text") : "");
        }
        return text.ToString();
    }

    private static string Prompt(JsonElement body)
    {
        if (Optional(body, "prompt") is not { } prompt) throw ApiException.BadRequest("Missing required parameter: 'prompt'.", "prompt");
        if (prompt.ValueKind == JsonValueKind.String) return prompt.GetString()!;
        // The legacy API also takes a list of prompts; realm answers one prompt per request.
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
            return prompt[0].GetString()!;
        throw ApiException.InvalidValue("prompt", "'prompt' must be a string (realm answers one prompt per request).");
    }

    private static IReadOnlyList<string> Stop(JsonElement body)
    {
        if (Optional(body, "stop") is not { } stop) return [];
        string[] sequences = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array => stop.EnumerateArray().Select((s, i) => String(s, $"stop[{i}]")).ToArray(),
            _ => throw WrongType("stop", "a string or an array of strings", stop),
        };
        if (sequences.Length > MaxStopSequences) throw ApiException.InvalidValue("stop", $"'stop' may hold at most {MaxStopSequences} sequences, got {sequences.Length}.");
        if (sequences.Any(s => s.Length == 0)) throw ApiException.InvalidValue("stop", "'stop' sequences must not be empty.");
        return sequences;
    }

    // Absent and null are the same: not given.
    private static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string String(JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(param, "a string", value);

    private static bool Bool(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw WrongType(param, "a boolean", value),
    };

    private static int? Int(JsonElement body, string param, int min)
    {
        if (Optional(body, param) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n)) throw WrongType(param, "an integer", value);
        return n >= min ? n : throw ApiException.InvalidValue(param, $"Invalid '{param}': integer below minimum value. Expected a value >= {min}, but got {n} instead.");
    }

    private static float? Number(JsonElement body, string param, Func<double, bool> valid, string rule)
    {
        if (Optional(body, param) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number) throw WrongType(param, "a number", value);
        double x = value.GetDouble();
        return valid(x) ? (float)x : throw ApiException.InvalidValue(param, $"Invalid '{param}': {rule}, got {x}.");
    }

    private static ApiException WrongType(string param, string expected, JsonElement got) =>
        ApiException.BadRequest($"Invalid type for '{param}': expected {expected}, but got {Describe(got.ValueKind)} instead.", param, "invalid_type");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
