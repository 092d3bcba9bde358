namespace Realm.Engine.Chat;

public enum ChatRole { System, User, Assistant }

/// <summary>One message of a conversation.</summary>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    /// <summary>The role as chat templates spell it: "system", "user" or "assistant".</summary>
    public string RoleName => Role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        _ => "assistant",
    };
}
