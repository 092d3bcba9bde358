using System.Text.Json.Nodes;

namespace Realm.Server;

/// <summary>
/// A request the server refuses, answered with <see cref="Status"/> and OpenAI's error body
/// <c>{"error": {"message", "type", "param", "code"}}</c>, so OpenAI clients report it as they would OpenAI's.
/// </summary>
public sealed class ApiException(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public static ApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiException InvalidValue(string param, string message) => BadRequest(message, param, "invalid_value");

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = Type,
            ["param"] = Param,
            ["code"] = Code,
        },
    };
}
