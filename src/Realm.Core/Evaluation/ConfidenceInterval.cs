using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>A two-sided interval for a proportion, both ends in [0, 1]; written to JSON as <c>[lo, hi]</c>.</summary>
[JsonConverter(typeof(ConfidenceIntervalJsonConverter))]
public readonly record struct ConfidenceInterval(double Lo, double Hi)
{
    /// <summary>True if the two intervals share at least one point.</summary>
    public bool Overlaps(ConfidenceInterval other) => Lo <= other.Hi && other.Lo <= Hi;
}
