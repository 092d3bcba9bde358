namespace Realm.Engine.Generation;

/// <summary>
/// What a user asked for explicitly (command-line flags); null means "not given", so the model's
/// generation_config.json or the built-in default applies (<see cref="SamplingDefaults"/>).
/// </summary>
public sealed record SamplingRequest
{
    public bool Greedy { get; init; }
    public float? Temperature { get; init; }
    public int? TopK { get; init; }
    public float? TopP { get; init; }
    public float? RepetitionPenalty { get; init; }
    public int? MaxNewTokens { get; init; }
    public ulong Seed { get; init; }

    /// <summary>Whether a sampling setting was given, which asks for sampling even where the model's default is greedy.</summary>
    public bool AsksForSampling => Temperature != null || TopK != null || TopP != null;
}
