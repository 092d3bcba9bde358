namespace Realm.Domains;

/// <summary>
/// The difficulty knobs of the "payroll" domain, for calibrating it: they change which weeks are drawn,
/// never the rules, so a problem generated with any knobs is solved and checked by the default domain.
/// The defaults are what <see cref="BuiltInDomains"/> ships. The domain refuses knobs that would let a
/// generated route hold a number above 999.
/// </summary>
public sealed record PayrollKnobs
{
    /// <summary>Conditions of the hardest training problem (T): train, dev and id have 1..T, ood-length T+1.</summary>
    public int TrainMax { get; init; } = 4;

    /// <summary>Hourly rates a week is drawn from; even, so that overtime's 1.5 times the rate is whole.</summary>
    public IReadOnlyList<int> Rates { get; init; } = [6, 8, 10, 12];

    /// <summary>Fewest hours of a week without overtime (those have MinHours..40).</summary>
    public int MinHours { get; init; } = 16;

    /// <summary>Most overtime hours: a week with overtime has 41..40+MaxOvertime hours.</summary>
    public int MaxOvertime { get; init; } = 8;

    /// <summary>Most children (kids=1..MaxKids); above 3 the credit's cap comes into play.</summary>
    public int MaxKids { get; init; } = 4;

    /// <summary>Advances are drawn in steps of <see cref="AdvanceStep"/> up to <see cref="MaxAdvance"/>.</summary>
    public int AdvanceStep { get; init; } = 10;
    public int MaxAdvance { get; init; } = 90;

    /// <summary>One week in this many without children still says "kids=0" (a condition that does not apply); 0 never.</summary>
    public int DistractorOneIn { get; init; } = 6;

    /// <summary>
    /// Throws a RealmException naming the first knob out of range. <paramref name="mostConditions"/> is the
    /// most conditions a problem without a held-out pair can have; ood-length needs T+1 of them.
    /// </summary>
    internal void Validate(int mostConditions)
    {
        Check(TrainMax >= 1 && TrainMax < mostConditions, nameof(TrainMax), $"must be 1..{mostConditions - 1} (ood-length needs one condition more)");
        Check(Rates.Count > 0 && Rates.All(r => r >= 2 && r % 2 == 0), nameof(Rates), "must be even numbers of at least 2");
        Check(MinHours is >= 1 and <= 40, nameof(MinHours), "must be 1..40");
        Check(MaxOvertime is >= 1 and <= 20, nameof(MaxOvertime), "must be 1..20");
        Check(MaxKids is >= 1 and <= 9, nameof(MaxKids), "must be 1..9");
        Check(AdvanceStep >= 1 && MaxAdvance >= AdvanceStep && MaxAdvance <= 200, nameof(MaxAdvance), "must be AdvanceStep..200, with AdvanceStep at least 1");
        Check(DistractorOneIn >= 0, nameof(DistractorOneIn), "must be at least 0");
    }

    internal static void Check(bool ok, string knob, string what)
    {
        if (!ok) throw new RealmException($"payroll knob {knob} {what}");
    }
}
