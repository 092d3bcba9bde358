namespace Realm.Data;

/// <summary>Reading and writing the step format of routes and of the student's own reasoning.</summary>
public static class RouteText
{
    public const string AnswerPrefix = "Answer:";

    /// <summary>"1. step", "2. step", ..., then "Answer: X".</summary>
    public static string Format(IReadOnlyList<string> steps, string answer) =>
        string.Concat(steps.Select((s, i) => $"{i + 1}. {s}\n")) + $"{AnswerPrefix} {answer}";

    /// <summary>The step lines (numbering removed), without the answer line.</summary>
    public static List<string> Steps(string text)
    {
        var steps = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(AnswerPrefix, StringComparison.Ordinal)) continue;
            int dot = line.IndexOf(". ", StringComparison.Ordinal);
            steps.Add(dot > 0 && line[..dot].All(char.IsAsciiDigit) ? line[(dot + 2)..] : line);
        }
        return steps;
    }

    /// <summary>The text after the last "Answer:" (trimmed, first line only), or null if there is none.</summary>
    public static string? ExtractAnswer(string text)
    {
        int at = text.LastIndexOf(AnswerPrefix, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = text[(at + AnswerPrefix.Length)..];
        int end = rest.IndexOf('\n');
        var answer = (end < 0 ? rest : rest[..end]).Trim();
        return answer.Length == 0 ? null : answer;
    }

    /// <summary>The first <paramref name="count"/> steps only, numbered, without an answer line (a fading hint).</summary>
    public static string Truncate(string text, int count)
    {
        var steps = Steps(text);
        return string.Concat(steps.Take(count).Select((s, i) => $"{i + 1}. {s}\n")).TrimEnd('\n');
    }
}
