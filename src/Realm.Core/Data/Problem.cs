using System.Text.Json.Nodes;

namespace Realm.Data;

/// <summary>
/// One external chain of thought for a problem (docs/method.md, "Text format"): its text is one step per line, numbered
/// "1. ", "2. ", ..., each naming the rule it applies (e.g. "3. R4: 21*2=42"), then a final line
/// "Answer: X". A route is positive when its answer verifies; a negative route records the first
/// wrong step (1-based) when known.
/// </summary>
public sealed class Route
{
    public required string Text { get; init; }
    public required string Answer { get; init; }
    public bool Correct { get; init; }
    public int? FirstErrorStep { get; init; }
    /// <summary>Who wrote it: "expert" (a domain's programmatic teacher), a model name, "student", ...</summary>
    public string Source { get; init; } = "expert";
    /// <summary>Fields of the JSON object this project does not know, kept when the file is rewritten.</summary>
    public JsonObject? Extra { get; init; }
}

/// <summary>
/// One problem of the dataset schema (docs/domains.md, "File format"): a question with a verifiable answer, optional routes
/// and the id of the rulebook that governs it. Unknown JSON fields are kept in <see cref="Extra"/>.
/// </summary>
public sealed class Problem
{
    public required string Id { get; init; }
    public required string Domain { get; init; }
    public required string Question { get; init; }
    public required string Answer { get; init; }
    public int Difficulty { get; init; } = 1;
    /// <summary>"train", "id" (in-distribution test) or "ood" (out-of-distribution test); other values are kept as given.</summary>
    public string Split { get; init; } = "train";
    public List<Route> Routes { get; init; } = new();
    public string? Rulebook { get; init; }
    public JsonObject? Extra { get; init; }
}
