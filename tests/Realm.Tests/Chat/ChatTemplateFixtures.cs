using System.Text.Json;
using Realm.Engine.Chat;

namespace Realm.Tests.Chat;

/// <summary>
/// tests/fixtures/chat/templates.json, written by tools/chat/make_fixtures.mjs: real chat templates and
/// what @huggingface/jinja renders from them for a set of conversations.
/// </summary>
public static class ChatTemplateFixtures
{
    public sealed record TemplateCase(string Name, string Model, string Family, string? BosToken, ChatTemplateVariables Variables, string Jinja);

    public sealed record Rendering(string Template, string Conversation, bool AddGenerationPrompt, string Text);

    private static readonly Lazy<(Dictionary<string, TemplateCase> Templates, Dictionary<string, ChatMessage[]> Conversations, Rendering[] Renderings)> s_fixture = new(Load);

    public static IReadOnlyDictionary<string, TemplateCase> Templates => s_fixture.Value.Templates;
    public static IReadOnlyDictionary<string, ChatMessage[]> Conversations => s_fixture.Value.Conversations;
    public static IReadOnlyList<Rendering> Renderings => s_fixture.Value.Renderings;

    /// <summary>The fixture's template as realm detects it.</summary>
    public static ChatTemplate Detect(string name)
    {
        var entry = Templates[name];
        return ChatTemplate.Detect(entry.Jinja, entry.BosToken, $"fixture {name}");
    }

    private static (Dictionary<string, TemplateCase>, Dictionary<string, ChatMessage[]>, Rendering[]) Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Fixtures.Root, "chat", "templates.json")));
        var root = document.RootElement;
        var templates = root.GetProperty("templates").EnumerateArray().Select(t => new TemplateCase(
            t.GetProperty("name").GetString()!, t.GetProperty("model").GetString()!, t.GetProperty("family").GetString()!,
            t.GetProperty("bos_token").GetString(), Variables(t.GetProperty("variables")), t.GetProperty("template").GetString()!))
            .ToDictionary(t => t.Name);
        var conversations = root.GetProperty("conversations").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => c.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(Role(m.GetProperty("role").GetString()!), m.GetProperty("content").GetString()!)).ToArray());
        var renderings = root.GetProperty("renderings").EnumerateArray().Select(r => new Rendering(
            r.GetProperty("template").GetString()!, r.GetProperty("conversation").GetString()!,
            r.GetProperty("add_generation_prompt").GetBoolean(), r.GetProperty("text").GetString()!)).ToArray();
        return (templates, conversations, renderings);
    }

    private static ChatTemplateVariables Variables(JsonElement variables) => new()
    {
        DateString = variables.TryGetProperty("date_string", out var date) ? date.GetString() : null,
        EnableThinking = variables.TryGetProperty("enable_thinking", out var thinking) ? thinking.GetBoolean() : null,
    };

    private static ChatRole Role(string role) => role switch
    {
        "system" => ChatRole.System,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        _ => throw new InvalidDataException($"unexpected role '{role}' in the chat fixture"),
    };
}
