namespace Realm.Engine.Generation;

/// <summary>How to pick each next token. Defaults: plain sampling at temperature 1, up to 128 new tokens.</summary>
public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 128;
    /// <summary>Always take the most likely token (ties: the lowest id). Ignores temperature, top-k, top-p.</summary>
    public bool Greedy { get; init; }
    /// <summary>Divides the logits before sampling; must be positive.</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>Keep only the k most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }
    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all.</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>
    /// Hugging Face's repetition penalty: before choosing, the logit of every token already in the sequence
    /// (prompt included) is divided by it when positive and multiplied by it when negative; 1 is off.
    /// Log-probabilities are still reported under the model's own distribution.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1f;
    /// <summary>Generation of a sequence ends after it emits one of these (the stop token is included in the output).</summary>
    public IReadOnlyList<int> StopTokens { get; init; } = [];
    /// <summary>Sequence i samples from its own generator seeded by (Seed, i), so results do not depend on batching.</summary>
    public ulong Seed { get; init; }

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new RealmException($"max new tokens must be ≥ 0, got {MaxNewTokens}");
        if (!Greedy && !(Temperature > 0)) throw new RealmException($"temperature must be > 0 (or use greedy), got {Temperature}");
        if (TopK < 0) throw new RealmException($"top-k must be ≥ 0, got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new RealmException($"top-p must be in (0, 1], got {TopP}");
        if (!(RepetitionPenalty > 0)) throw new RealmException($"repetition penalty must be > 0, got {RepetitionPenalty}");
    }
}

public enum FinishReason { Stop, Length }

/// <summary>
/// Generated tokens (after the prompt) and the log-probability of each under the model's own
/// distribution (temperature 1, no truncation), as policy-gradient training needs.
/// </summary>
public sealed record Completion(int[] Tokens, float[] Logprobs, FinishReason FinishReason);
