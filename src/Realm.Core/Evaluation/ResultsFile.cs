using System.Text.Json;
using System.Text.Json.Serialization;
using Realm.Engine.IO;

namespace Realm.Evaluation;

/// <summary>
/// The results of one evaluation run (results.json): the domain, the wall-clock time the run took, one
/// <see cref="MethodResult"/> row per method and split, and (for a comparison run) one
/// <see cref="MethodSummary"/> per method: its role, stages, rewards, route schedule and budget. Other tools read this file, so its field
/// names are fixed; unknown top-level fields are kept when it is rewritten.
/// </summary>
public sealed record ResultsFile
{
    public const string DefaultFileName = "results.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    [JsonPropertyName("domain")] public required string Domain { get; init; }
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("rows")] public IReadOnlyList<MethodResult> Rows { get; init; } = [];
    [JsonIgnore] public IReadOnlyList<MethodSummary> Methods { get; init; } = [];

    // "methods" is written only when there are some (a comparison run's), so other results files keep the three agreed fields.
    [JsonPropertyName("methods")]
    [JsonInclude]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private IReadOnlyList<MethodSummary>? MethodsField
    {
        get => Methods.Count == 0 ? null : Methods;
        init => Methods = value ?? [];
    }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The row for a method on a split, or null.</summary>
    public MethodResult? Find(string method, string split) =>
        Rows.FirstOrDefault(r => r.Method == method && r.Split == split);

    public string ToJson()
    {
        ThrowIfInconsistent(source: "results");
        return JsonSerializer.Serialize(this, Options);
    }

    /// <summary>Writes the file atomically: a reader sees the previous results or these, never a partial file.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads and checks a results file; every defect is reported as a <see cref="RealmException"/> naming the file.</summary>
    public static ResultsFile Read(string path)
    {
        using var document = JsonFile.ParseObject(path);
        ResultsFile? results;
        try
        {
            results = document.Deserialize<ResultsFile>(Options);
        }
        catch (JsonException e)
        {
            string where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
            throw new RealmException($"{path}: not a results file{where}: {e.Message}", e);
        }
        if (results == null) throw new RealmException($"{path}: not a results file");
        results.ThrowIfInconsistent(source: path);
        return results;
    }

    private void ThrowIfInconsistent(string source)
    {
        if (!double.IsFinite(WallSeconds) || WallSeconds < 0)
            throw new RealmException($"{source}: wall_seconds {WallSeconds} must be a finite number >= 0");
        var names = new HashSet<string>();
        for (int i = 0; i < Methods.Count; i++)
            if (Methods[i] is not { } m || string.IsNullOrWhiteSpace(m.Name) || !names.Add(m.Name))
                throw new RealmException($"{source}: methods[{i}] is {(Methods[i] == null ? "null" : $"unnamed or repeats {Methods[i].Name}")}");
        var seen = new HashSet<(string, string, int?)>();
        for (int i = 0; i < Rows.Count; i++)
        {
            var row = Rows[i] ?? throw new RealmException($"{source}: rows[{i}] is null");
            if (row.Inconsistency() is string problem)
                throw new RealmException($"{source}: rows[{i}] ({row.Method}/{row.Split}): {problem}");
            // Rows of several seeds may share a file, but one seed's result must not appear twice.
            if (!seen.Add((row.Method, row.Split, row.Seed)))
                throw new RealmException($"{source}: rows[{i}] repeats {row.Method}/{row.Split}{(row.Seed is int s ? $" seed {s}" : "")}");
        }
    }
}
