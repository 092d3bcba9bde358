namespace Realm.Training;

/// <summary>
/// GRPO settings (docs/method.md, "The GRPO core"), with TRL's names where they exist. Defaults: 8 generations per prompt,
/// std-scaled advantages, PPO clip ε = 0.2, one inner iteration, no KL (β = 0, so no reference copy is kept), and
/// DAPO's dynamic sampling (Yu et al. 2025, arXiv 2503.14476): groups whose rewards are all equal carry no
/// gradient, so they are replaced by fresh prompts, at most <see cref="MaxResampleRounds"/> times a step.
/// </summary>
public sealed record GrpoConfig
{
    public int Steps { get; init; } = 100;
    /// <summary>Distinct prompts per step; each is sampled <see cref="Generations"/> times.</summary>
    public int PromptsPerStep { get; init; } = 16;
    /// <summary>G: completions per prompt, the group advantages are computed within.</summary>
    public int Generations { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 256;
    /// <summary>Sampling temperature; log-probabilities, ratios, KL and entropy are of the same temperature-scaled distribution the completions were sampled from.</summary>
    public float Temperature { get; init; } = 1f;
    public float TopP { get; init; } = 1f;
    /// <summary>Advantage (r − mean)/(std + 1e-4) when true; r − mean (Dr. GRPO) when false. std is the sample std.</summary>
    public bool ScaleRewards { get; init; } = true;
    public double Epsilon { get; init; } = 0.2;
    /// <summary>Upper clip ε_high (DAPO's clip-higher); null uses <see cref="Epsilon"/>.</summary>
    public double? EpsilonHigh { get; init; }
    /// <summary>μ: optimiser updates per batch of generations (the ratio moves away from 1 after the first).</summary>
    public int Iterations { get; init; } = 1;
    /// <summary>
    /// β of the k3 KL penalty to the frozen starting policy (when training LoRA adapters: the base model
    /// without them); 0 keeps no reference copy.
    /// </summary>
    public double Beta { get; init; }
    /// <summary>
    /// Replace groups whose rewards are all equal by freshly sampled prompts (DAPO), up to
    /// <see cref="MaxResampleRounds"/>; the extra rollouts count in the generated tokens of the budget.
    /// </summary>
    public bool DynamicSampling { get; init; } = true;
    /// <summary>Refill rounds per step, which bounds the extra rollouts at MaxResampleRounds × PromptsPerStep × G.</summary>
    public int MaxResampleRounds { get; init; } = 2;
    public int MaxTokensPerPass { get; init; } = 16384;
    public OptimizerConfig Optimizer { get; init; } = new() { LearningRate = 2e-4f, WarmupSteps = 5, Decay = DecayShape.Constant, AdamW = new AdamWOptions { WeightDecay = 0f } };
    [NotASetting("when the run is saved; a resumed run equals an uninterrupted one")]
    public int CheckpointEvery { get; init; } = 10;
    /// <summary>Steps between held-out evaluations (when the caller supplies an evaluator); 0 never.</summary>
    [NotASetting("when held-out accuracy is measured; it does not change the weights")]
    public int EvalEvery { get; init; }
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Weights of the reward functions by name, in the order their weighted scores are added (TRL's
    /// reward_weights); a function the list does not name has weight 1, a name no function has is an error.
    /// </summary>
    public IReadOnlyList<RewardWeight> Rewards { get; init; } = [];

    public double UpperEpsilon => EpsilonHigh ?? Epsilon;

    /// <summary>The weight of each named function, in their order; throws if the config weights a function that is not there.</summary>
    public double[] WeightsFor(IReadOnlyList<string> names)
    {
        if (names.Count == 0) throw new RealmException("GRPO needs at least one reward function");
        if (names.Distinct().Count() != names.Count) throw new RealmException($"two reward functions share a name: {string.Join(", ", names)}");
        foreach (var w in Rewards)
            if (!names.Contains(w.Name))
                throw new RealmException($"GRPO config weights reward '{w.Name}', which is not among the reward functions ({string.Join(", ", names)})");
        return names.Select(n => Rewards.FirstOrDefault(w => w.Name == n)?.Weight ?? 1.0).ToArray();
    }

    public void Validate()
    {
        if (Steps < 1 || PromptsPerStep < 1 || Iterations < 1) throw new RealmException("GRPO needs steps, prompts per step and iterations ≥ 1");
        if (Generations < 2) throw new RealmException($"GRPO needs at least 2 generations per prompt to compare, got {Generations}");
        if (Epsilon <= 0 || UpperEpsilon <= 0) throw new RealmException("GRPO clip ε must be positive");
        if (Beta < 0) throw new RealmException("GRPO β must be ≥ 0");
        if (MaxResampleRounds < 0) throw new RealmException($"GRPO refill rounds must be ≥ 0, got {MaxResampleRounds}");
    }
}
