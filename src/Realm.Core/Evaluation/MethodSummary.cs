using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>
/// One method of a run as results.json describes it (the "methods" list): its role in the comparison,
/// the checkpoint it starts from, the stages it runs, its named reward weights, its route schedule and
/// the budget it spent. Written from the method records of the pipeline; report.md shows them as a table.
/// </summary>
public sealed record MethodSummary
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("role")] public required MethodRole Role { get; init; }
    [JsonPropertyName("starts_from")] public required string StartsFrom { get; init; }
    [JsonPropertyName("stages")] public IReadOnlyList<string> Stages { get; init; } = [];
    /// <summary>Reward weights by name (answer, verification, format); empty for supervised methods.</summary>
    [JsonPropertyName("rewards")] public IReadOnlyDictionary<string, double> Rewards { get; init; } = new Dictionary<string, double>();
    /// <summary>none, eaai, always or cut-at-once: whether and how routes are shown during training.</summary>
    [JsonPropertyName("routes")] public required string Routes { get; init; }
    [JsonPropertyName("budget")] public MethodBudget Budget { get; init; } = MethodBudget.Zero;
}
