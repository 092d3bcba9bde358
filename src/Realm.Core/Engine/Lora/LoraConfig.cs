namespace Realm.Engine.Lora;

/// <summary>
/// The shape of a LoRA adapter, mirroring PEFT's <c>LoraConfig</c>: for every targeted projection W [out, in]
/// of every layer, y = x·Wᵀ + (alpha/r)·(dropout(x)·Aᵀ)·Bᵀ with A [r, in] and B [out, r].
/// Read and written as PEFT's <c>adapter_config.json</c> (<c>LoraConfig.Json.cs</c>).
/// </summary>
public sealed partial record LoraConfig
{
    private readonly LoraTarget[] _targets = [LoraTarget.QProj, LoraTarget.VProj];

    /// <summary>r: the rank of every adapter.</summary>
    public int Rank { get; init; } = 8;
    /// <summary>lora_alpha: the update is scaled by Alpha / Rank.</summary>
    public double Alpha { get; init; } = 16;
    /// <summary>lora_dropout: probability of zeroing an adapter input element, in training forward passes only.</summary>
    public double Dropout { get; init; }

    /// <summary>target_modules, kept in layer order without duplicates. PEFT's default for Llama is q_proj and v_proj.</summary>
    public IReadOnlyList<LoraTarget> Targets
    {
        get => _targets;
        init => _targets = value.Distinct().Order().ToArray();
    }

    /// <summary>base_model_name_or_path: informational, as PEFT writes it.</summary>
    public string BaseModel { get; init; } = "";

    /// <summary>The factor the adapter's output is multiplied by.</summary>
    public float Scale => (float)(Alpha / Rank);

    public bool IsTargeted(LoraTarget target) => Array.IndexOf(_targets, target) >= 0;

    /// <summary>Checks the values; <paramref name="source"/> (a file or option description) prefixes every message.</summary>
    public LoraConfig Validate(string source)
    {
        if (Rank < 1) throw new RealmException($"{source}: r must be at least 1, got {Rank}");
        if (!(Alpha > 0)) throw new RealmException($"{source}: lora_alpha must be positive, got {Alpha}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new RealmException($"{source}: lora_dropout must be in [0, 1), got {Dropout}");
        if (_targets.Length == 0) throw new RealmException($"{source}: target_modules is empty");
        return this;
    }

    // Compares the target sets by value (the generated equality would compare array references).
    public bool Equals(LoraConfig? other) =>
        other is not null && Rank == other.Rank && Alpha.Equals(other.Alpha) && Dropout.Equals(other.Dropout)
        && _targets.AsSpan().SequenceEqual(other._targets) && BaseModel == other.BaseModel;

    public override int GetHashCode() => HashCode.Combine(Rank, Alpha, Dropout, _targets.Length);
}
