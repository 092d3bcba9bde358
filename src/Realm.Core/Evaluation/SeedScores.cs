using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>One seed's accuracies inside a row merged across seeds (fractions in [0, 1]).</summary>
public sealed record SeedScore
{
    [JsonPropertyName("seed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Seed { get; init; }

    [JsonPropertyName("acc_routes")] public double AccRoutes { get; init; }
    [JsonPropertyName("acc_noroutes")] public double AccNoRoutes { get; init; }
    [JsonPropertyName("verify_acc")] public double? VerifyAcc { get; init; }
}

/// <summary>Sample standard deviations across seeds of a merged row's accuracies.</summary>
public sealed record SeedSpread
{
    [JsonPropertyName("acc_routes")] public double AccRoutes { get; init; }
    [JsonPropertyName("acc_noroutes")] public double AccNoRoutes { get; init; }
    [JsonPropertyName("verify_acc")] public double? VerifyAcc { get; init; }
}
