using System.Text.Json;

namespace Realm.Engine.IO;

/// <summary>Reads a JSON file, turning every way it can be wrong into a message naming the file and line.</summary>
internal static class JsonFile
{
    public static JsonDocument Parse(string path) => Parse(path, ReadAllBytes(path));

    /// <summary>The file's bytes, with a missing or unreadable file reported as a user error.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
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

    /// <summary>Parses <paramref name="bytes"/>, read from <paramref name="path"/>.</summary>
    public static JsonDocument Parse(string path, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new RealmException($"{path}: invalid JSON at line {e.LineNumber + 1}: {WithoutPosition(e.Message)}", e);
        }
    }

    /// <summary>Parses a file whose top level must be a JSON object.</summary>
    public static JsonDocument ParseObject(string path) => ParseObject(path, ReadAllBytes(path));

    /// <summary>Parses <paramref name="bytes"/>, read from <paramref name="path"/>, whose top level must be a JSON object.</summary>
    public static JsonDocument ParseObject(string path, byte[] bytes)
    {
        var document = Parse(path, bytes);
        if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
        var kind = document.RootElement.ValueKind;
        document.Dispose();
        throw new RealmException($"{path}: expected a JSON object, got {kind}");
    }

    /// <summary>A short, one-line rendering of a JSON value for error messages.</summary>
    public static string Describe(JsonElement value)
    {
        string text = value.GetRawText().ReplaceLineEndings(" ");
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    // System.Text.Json appends its own zero-based position; we report a one-based line instead.
    private static string WithoutPosition(string message)
    {
        int position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return position < 0 ? message : message[..position];
    }
}
