namespace Realm;

/// <summary>
/// A problem caused by the user's input (a file, a flag, a config) rather than by a bug. The CLI prints
/// its message on one line and exits non-zero, without a stack trace. Messages name the file, line or
/// field at fault.
/// </summary>
public sealed class RealmException : Exception
{
    public RealmException(string message) : base(message) { }
    public RealmException(string message, Exception inner) : base(message, inner) { }
}
