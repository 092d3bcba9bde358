using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>
/// One row of the results file: a method's accuracies on one split, as fractions in [0, 1], each with
/// its 95% Wilson interval. The fields up to <see cref="VerifyAcc"/> are always written (verify_acc as
/// null for methods that never verify); the rest are optional and written only when set. Fields this
/// type does not know are kept in <see cref="Extra"/>, so rewriting a file loses nothing.
/// </summary>
public sealed record MethodResult
{
    [JsonPropertyName("method")] public required string Method { get; init; }
    /// <summary>One of <see cref="EvalSplit.All"/>.</summary>
    [JsonPropertyName("split")] public required string Split { get; init; }
    /// <summary>Problems evaluated; for a row merged across seeds, the total over all seeds.</summary>
    [JsonPropertyName("n")] public required int N { get; init; }
    /// <summary>Accuracy with K = Kmax fixed, seeded, mixed routes in the prompt.</summary>
    [JsonPropertyName("acc_routes")] public required double AccRoutes { get; init; }
    [JsonPropertyName("acc_routes_ci")] public required ConfidenceInterval AccRoutesCi { get; init; }
    /// <summary>Accuracy with no routes: the model on its own.</summary>
    [JsonPropertyName("acc_noroutes")] public required double AccNoRoutes { get; init; }
    [JsonPropertyName("acc_noroutes_ci")] public required ConfidenceInterval AccNoRoutesCi { get; init; }
    /// <summary>Fraction of right route verdicts; null for methods that never verify.</summary>
    [JsonPropertyName("verify_acc")] public double? VerifyAcc { get; init; }

    /// <summary>pass@k keyed by k.</summary>
    [JsonPropertyName("pass_at_k")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<int, double>? PassAtK { get; init; }

    /// <summary>maj@k keyed by k.</summary>
    [JsonPropertyName("maj_at_k")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<int, double>? MajAtK { get; init; }

    /// <summary>The training seed of a single-seed row.</summary>
    [JsonPropertyName("seed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Seed { get; init; }

    /// <summary>The seeds a merged row pools, in the order of <see cref="PerSeed"/>.</summary>
    [JsonPropertyName("seeds")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? Seeds { get; init; }

    /// <summary>A merged row's accuracies seed by seed; the row's own accuracies are their means.</summary>
    [JsonPropertyName("per_seed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SeedScore>? PerSeed { get; init; }

    /// <summary>A merged row's standard deviations across seeds (absent with a single seed).</summary>
    [JsonPropertyName("std")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SeedSpread? Std { get; init; }

    [JsonPropertyName("notes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Notes { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>A row from raw counts: accuracies and their Wilson intervals. With n = 0 accuracies are 0, intervals [0, 1].</summary>
    public static MethodResult FromCounts(string method, string split, int n, int correctWithRoutes, int correctWithoutRoutes,
        double? verifyAcc = null) => new()
    {
        Method = method,
        Split = split,
        N = n,
        AccRoutes = Fraction(correctWithRoutes, n),
        AccRoutesCi = Wilson.Interval(correctWithRoutes, n),
        AccNoRoutes = Fraction(correctWithoutRoutes, n),
        AccNoRoutesCi = Wilson.Interval(correctWithoutRoutes, n),
        VerifyAcc = verifyAcc,
    };

    /// <summary>Problems solved with routes, recovered from the stored fraction (exact for a single-seed row).</summary>
    [JsonIgnore] public int CorrectWithRoutes => (int)Math.Round(AccRoutes * N);

    /// <summary>Problems solved without routes, recovered from the stored fraction (exact for a single-seed row).</summary>
    [JsonIgnore] public int CorrectWithoutRoutes => (int)Math.Round(AccNoRoutes * N);

    /// <summary>Describes the first thing wrong with the row, or returns null if it is consistent.</summary>
    public string? Inconsistency()
    {
        if (string.IsNullOrWhiteSpace(Method)) return "method is empty";
        if (!EvalSplit.IsKnown(Split)) return $"split \"{Split}\" is none of {string.Join(", ", EvalSplit.All)}";
        if (N < 0) return $"n {N} is negative";
        return FractionProblem("acc_routes", AccRoutes)
            ?? FractionProblem("acc_noroutes", AccNoRoutes)
            ?? IntervalProblem("acc_routes_ci", AccRoutesCi)
            ?? IntervalProblem("acc_noroutes_ci", AccNoRoutesCi)
            ?? (VerifyAcc is double v ? FractionProblem("verify_acc", v) : null);
    }

    private static double Fraction(int correct, int n) => n == 0 ? 0 : (double)correct / n;

    private static string? FractionProblem(string name, double value) =>
        value is >= 0 and <= 1 ? null : $"{name} {value} is outside [0, 1]";

    private static string? IntervalProblem(string name, ConfidenceInterval ci) =>
        ci.Lo >= 0 && ci.Hi <= 1 && ci.Lo <= ci.Hi ? null : $"{name} [{ci.Lo}, {ci.Hi}] is not an interval inside [0, 1]";
}
