namespace Realm.Teacher;

/// <summary>One route's text as the teacher wrote it, and the tokens the request cost.</summary>
public sealed record TeacherReply(string Text, long InputTokens, long OutputTokens);
