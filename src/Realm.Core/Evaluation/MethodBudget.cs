using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>
/// What a method spent on training (results.json, per method): the sequences its updates were computed
/// on, the optimiser updates, the tokens it sampled from the model (RL rollouts, RFT's samples, the
/// instructor's probes) and the completion tokens that carried a loss, summed over updates (docs/method.md,
/// "Equal budgets").
/// </summary>
public sealed record MethodBudget
{
    [JsonPropertyName("sequences")] public long Sequences { get; init; }
    [JsonPropertyName("optimizer_updates")] public long OptimizerUpdates { get; init; }
    [JsonPropertyName("generated_tokens")] public long GeneratedTokens { get; init; }
    [JsonPropertyName("trained_tokens")] public long TrainedTokens { get; init; }

    public static MethodBudget operator +(MethodBudget a, MethodBudget b) => new()
    {
        Sequences = a.Sequences + b.Sequences, OptimizerUpdates = a.OptimizerUpdates + b.OptimizerUpdates,
        GeneratedTokens = a.GeneratedTokens + b.GeneratedTokens, TrainedTokens = a.TrainedTokens + b.TrainedTokens,
    };

    public static MethodBudget Zero { get; } = new();
}
