using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Realm.Engine.IO;

namespace Realm.Data;

/// <summary>What <see cref="ProblemJsonl.Read"/> found.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Problems">The problems of the well-formed lines, in file order.</param>
/// <param name="Lines">The 1-based line of each problem, for messages about it.</param>
/// <param name="BadLines">"file:line: reason" for each malformed line that was skipped (only when asked to skip).</param>
public sealed record ProblemJsonlFile(string Path, IReadOnlyList<Problem> Problems, IReadOnlyList<int> Lines, IReadOnlyList<string> BadLines);

/// <summary>
/// Problem datasets as JSONL, one problem per line (docs/domains.md, "File format"): <c>id, domain, question, answer,
/// difficulty, split</c> are required; <c>routes</c> (each with <c>text, answer, correct</c>, optional
/// <c>first_error_step</c> and <c>source</c>) and <c>rulebook</c> are optional. Fields this project does
/// not know are kept, at the same nesting, and written back unchanged after the known ones.
/// <para>
/// An <c>answer</c> (of a problem or a route) may be a JSON number as well as a string, since many
/// datasets store numeric answers that way; it is kept as the number's text ("184", "2.5") and written
/// back as a string. Every other field must have its documented type. A route without <c>source</c> gets
/// "unknown"; one without <c>first_error_step</c> has it unknown (null). Blank lines are ignored.
/// </para>
/// </summary>
public static class ProblemJsonl
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReaderOptions = new() { AllowDuplicateProperties = false };
    private static readonly string[] ProblemFields = ["id", "domain", "question", "answer", "difficulty", "split", "routes", "rulebook"];
    private static readonly string[] RouteFields = ["text", "answer", "correct", "first_error_step", "source"];

    /// <summary>
    /// Reads a dataset. A malformed line raises a RealmException "file:line: reason", or, with
    /// <paramref name="skipBadLines"/>, is left out and reported in <see cref="ProblemJsonlFile.BadLines"/>.
    /// </summary>
    public static ProblemJsonlFile Read(string path, bool skipBadLines = false)
    {
        var problems = new List<Problem>();
        var lines = new List<int>();
        var bad = new List<string>();
        int lineNumber = 0;
        foreach (var line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (TryParse(line, out var problem, out var error))
            {
                problems.Add(problem);
                lines.Add(lineNumber);
                continue;
            }
            string message = $"{path}:{lineNumber}: {error}";
            if (!skipBadLines) throw new RealmException(message + " (use --skip-bad-lines to skip such lines)");
            bad.Add(message);
        }
        return new ProblemJsonlFile(path, problems, lines, bad);
    }

    /// <summary>Parses one line; on failure <paramref name="error"/> says why, naming the field.</summary>
    public static bool TryParse(string json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Problem? problem, out string? error)
    {
        problem = null;
        try
        {
            if (JsonNode.Parse(json, documentOptions: ReaderOptions) is not JsonObject obj)
            {
                error = "expected a JSON object";
                return false;
            }
            problem = ReadProblem(obj);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = "invalid JSON: " + WithoutPosition(e.Message);
        }
        catch (FieldException e)
        {
            error = e.Message;
        }
        return false;
    }

    /// <summary>One problem as one line of JSON (no newline).</summary>
    public static string Serialize(Problem problem)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) WriteProblem(writer, problem);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the problems, one per line, replacing <paramref name="path"/> only once all are written.</summary>
    public static void Write(string path, IEnumerable<Problem> problems) =>
        AtomicFile.Write(path, stream => WriteLines(stream, problems));

    /// <summary>Writes each problem as one line ending in '\n'.</summary>
    internal static void WriteLines(Stream stream, IEnumerable<Problem> problems)
    {
        using var writer = new Utf8JsonWriter(stream, WriterOptions);
        foreach (var problem in problems)
        {
            WriteProblem(writer, problem);
            writer.Flush();
            writer.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RealmException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{path}: cannot read: {e.Message}", e);
        }
    }

    // ---- Reading ----

    /// <summary>A field that is missing or has the wrong type; its message is the reason shown after "file:line: ".</summary>
    private sealed class FieldException(string message) : Exception(message);

    private static Problem ReadProblem(JsonObject obj)
    {
        string id = RequiredString(obj, "id"), domain = RequiredString(obj, "domain"), question = RequiredString(obj, "question");
        string answer = Answer(obj, "");
        int difficulty = RequiredInt(obj, "difficulty");
        string split = RequiredString(obj, "split");
        string? rulebook = OptionalString(obj, "rulebook");
        var routes = new List<Route>();
        if (obj["routes"] is { } routesNode)
        {
            if (routesNode is not JsonArray array) throw new FieldException($"field \"routes\" must be an array, got {Describe(routesNode)}");
            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject routeObj) throw new FieldException($"routes[{i}] must be an object, got {Describe(array[i])}");
                routes.Add(ReadRoute(routeObj, $"routes[{i}]."));
            }
        }
        return new Problem
        {
            Id = id, Domain = domain, Question = question, Answer = answer, Difficulty = difficulty, Split = split,
            Routes = routes, Rulebook = rulebook, Extra = Unknown(obj, ProblemFields),
        };
    }

    private static Route ReadRoute(JsonObject obj, string where)
    {
        string text = RequiredString(obj, "text", where);
        string answer = Answer(obj, where);
        if (!obj.TryGetPropertyValue("correct", out var correct)) throw new FieldException($"missing field \"{where}correct\"");
        if (correct?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            throw new FieldException($"field \"{where}correct\" must be true or false, got {Describe(correct)}");
        int? firstError = null;
        if (obj["first_error_step"] is { } step)
            firstError = step is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int n) ? n
                : throw new FieldException($"field \"{where}first_error_step\" must be an integer or null, got {Describe(step)}");
        return new Route
        {
            Text = text, Answer = answer, Correct = correct.GetValue<bool>(), FirstErrorStep = firstError,
            Source = OptionalString(obj, "source", where) ?? "unknown",
            Extra = Unknown(obj, RouteFields),
        };
    }

    private static string RequiredString(JsonObject obj, string name, string where = "")
    {
        if (!obj.TryGetPropertyValue(name, out var node)) throw new FieldException($"missing field \"{where}{name}\"");
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>()
            : throw new FieldException($"field \"{where}{name}\" must be a string, got {Describe(node)}");
    }

    private static string? OptionalString(JsonObject obj, string name, string where = "")
    {
        var node = obj[name];
        if (node == null) return null;
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
            : throw new FieldException($"field \"{where}{name}\" must be a string or null, got {Describe(node)}");
    }

    private static int RequiredInt(JsonObject obj, string name)
    {
        if (!obj.TryGetPropertyValue(name, out var node)) throw new FieldException($"missing field \"{name}\"");
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int n) ? n
            : throw new FieldException($"field \"{name}\" must be an integer, got {Describe(node)}");
    }

    /// <summary>A string, or a JSON number kept as its text.</summary>
    private static string Answer(JsonObject obj, string where)
    {
        if (!obj.TryGetPropertyValue("answer", out var node)) throw new FieldException($"missing field \"{where}answer\"");
        return node?.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => throw new FieldException($"field \"{where}answer\" must be a string or a number, got {Describe(node)}"),
        };
    }

    /// <summary>The fields not in <paramref name="known"/>, detached from the parsed line, or null if there are none.</summary>
    private static JsonObject? Unknown(JsonObject obj, string[] known)
    {
        var extra = new JsonObject();
        foreach (var (name, _) in obj.ToList())
        {
            if (known.Contains(name)) continue;
            obj.Remove(name, out var value);
            extra[name] = value;
        }
        return extra.Count == 0 ? null : extra;
    }

    private static string Describe(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : text[..37] + "...";
    }

    // System.Text.Json appends a zero-based position; the caller reports the line itself.
    private static string WithoutPosition(string message)
    {
        int position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return position < 0 ? message : message[..position];
    }

    // ---- Writing ----

    private static void WriteProblem(Utf8JsonWriter w, Problem p)
    {
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("domain", p.Domain);
        w.WriteString("question", p.Question);
        w.WriteString("answer", p.Answer);
        w.WriteNumber("difficulty", p.Difficulty);
        w.WriteString("split", p.Split);
        if (p.Routes.Count > 0)
        {
            w.WriteStartArray("routes");
            foreach (var route in p.Routes) WriteRoute(w, route);
            w.WriteEndArray();
        }
        if (p.Rulebook != null) w.WriteString("rulebook", p.Rulebook);
        WriteExtra(w, p.Extra, ProblemFields);
        w.WriteEndObject();
    }

    private static void WriteRoute(Utf8JsonWriter w, Route r)
    {
        w.WriteStartObject();
        w.WriteString("text", r.Text);
        w.WriteString("answer", r.Answer);
        w.WriteBoolean("correct", r.Correct);
        if (r.FirstErrorStep is { } step) w.WriteNumber("first_error_step", step);
        else w.WriteNull("first_error_step");
        w.WriteString("source", r.Source);
        WriteExtra(w, r.Extra, RouteFields);
        w.WriteEndObject();
    }

    private static void WriteExtra(Utf8JsonWriter w, JsonObject? extra, string[] known)
    {
        if (extra == null) return;
        foreach (var (name, value) in extra)
        {
            // A known name here would write the field twice, and readers would reject the line.
            if (known.Contains(name)) throw new ArgumentException($"Extra holds the known field \"{name}\"; set the property instead");
            w.WritePropertyName(name);
            if (value == null) w.WriteNullValue();
            else value.WriteTo(w);
        }
    }
}
