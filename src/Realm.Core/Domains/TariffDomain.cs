using System.Globalization;
using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// "tariff", the vertical domain: a shipping-tariff calculator. A question names a parcel
/// (<c>7kg zone B express fragile sat ins=250</c>) and its price follows 13 rules the question does not
/// state, so a model can only answer right if the rules are in its parameters or in the routes it is
/// shown. The expert keeps a running total, one applicable rule per step ("R4: 21*2=42").
/// Difficulty = number of the nine optional conditions that apply: over 10 kg (R3), express (R4),
/// economy (R5), fragile (R6), Saturday (R7), Sunday (R8), insured for 100 or more (R9), oversize (R10),
/// member (R12). R11 (a total above 100) and R13 (the minimum charge) follow from the total and are not
/// counted; an insured value below 100 (no charge) may appear as a distractor. Express excludes economy
/// and Saturday excludes Sunday.
/// <para>
/// Splits. "train", "dev", "id" (difficulty 1..4 by default) and "ood-length" (5 by default: one
/// condition more) never have express with Sunday, fragile with member, or over 10 kg with oversize,
/// which leaves them at most five conditions. Every "ood-compose" problem (2..4 by default; up to 7
/// possible) has at least one of those pairs.
/// </para>
/// </summary>
public sealed class TariffDomain : IDomain
{
    // Rule numbers, as routes name them, in the order they are applied.
    private const int Rate = 1, Weight = 2, Heavy = 3, Express = 4, Economy = 5, Fragile = 6, Saturday = 7, Sunday = 8,
        Insurance = 9, Oversize = 10, BigTotal = 11, Member = 12, Minimum = 13;

    /// <summary>Condition pairs that never occur together outside ood-compose; every ood-compose problem has one.</summary>
    public IReadOnlyList<(int A, int B)> HeldOutPairs { get; } = [(Express, Sunday), (Fragile, Member), (Heavy, Oversize)];

    private const int TrainMax = 4;

    private static readonly int[] Conditions = [Heavy, Express, Economy, Fragile, Saturday, Sunday, Insurance, Oversize, Member];
    private static readonly (int A, int B)[] Exclusive = [(Express, Economy), (Saturday, Sunday)];
    private static readonly (int Rule, string Word)[] Keywords =
        [(Express, "express"), (Economy, "economy"), (Fragile, "fragile"), (Saturday, "sat"), (Sunday, "sun"), (Oversize, "big"), (Member, "member")];
    private static readonly int[] ZoneRates = [2, 3, 4, 5]; // zones A..D
    private const int MinimumCharge = 12;

    private const int MaxValue = 999;
    private const int AttemptsPerDifficulty = 500;
    private const int WrongRuleVariants = 3;
    private const int OperandVariants = 8;
    private static readonly int[] SlipDeltas = [-1, 1, -2, 2, -10, 10];

    public string Name => "tariff";
    public int MaxDifficulty => 7;

    public Rulebook Rulebook { get; } = new("tariff-v1",
    [
        "Rate per kg by zone: A 2, B 3, C 4, D 5.",
        "Weight charge: kg times the rate.",
        "Over 10 kg: take 1 off for each kg above 10.",
        "Express: double the total.",
        "Economy: take 1 off per kg.",
        "Fragile: add 6.",
        "Saturday (sat): add 5.",
        "Sunday (sun): add 10.",
        "Insurance (ins=N): add 3 for each full 100 of N.",
        "Oversize (big): add 8.",
        "A total above 100 gets 10 off.",
        "Member: take 1 off for each full 10 of the total.",
        "Minimum charge: a total below 12 becomes 12.",
    ]);

    public (int Min, int Max) DefaultDifficulty(string split) => Splits.DefaultDifficulty(split, TrainMax);

    // The held-out pairs leave the other splits at most five conditions; an unseen pair takes two.
    public (int Min, int Max) AllowedDifficulty(string split) =>
        Splits.ShiftOf(split) == SplitShift.Compose ? (2, MaxDifficulty) : (1, 5);

    public Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null)
    {
        bool compose = Splits.ShiftOf(split) == SplitShift.Compose;
        var (min, max) = AllowedDifficulty(split);
        Splits.CheckDifficulty(Name, split, difficulty, min, max);
        if (useRule is < Rate or > Minimum) throw new ArgumentOutOfRangeException(nameof(useRule), useRule, "tariff rules are R1..R13");

        foreach (int d in Splits.DifficultiesToTry(difficulty, min, max, useRule != null))
        {
            var sets = ConditionSets(compose, d, useRule);
            if (sets.Count == 0) continue;
            for (int attempt = 0; attempt < AttemptsPerDifficulty; attempt++)
            {
                var parcel = RandomParcel(ref rng, sets[rng.NextInt(sets.Count)]);
                var trace = Work(parcel, null)!;
                if (useRule is { } rule && !trace.Rules.Contains(rule)) continue; // R11 and R13 depend on the total
                return new Problem
                {
                    Id = id, Domain = Name, Question = parcel.Question, Answer = Format(trace.Total),
                    Difficulty = d, Split = split, Rulebook = Rulebook.Id,
                };
            }
        }
        throw new InvalidOperationException($"no {split} tariff problem of difficulty {difficulty}{(useRule is { } r ? $" using R{r}" : "")} found");
    }

    public Route Solve(Problem problem)
    {
        var trace = Work(Parse(problem.Question), null)!;
        string answer = Format(trace.Total);
        return new Route { Text = RouteText.Format(trace.Steps, answer), Answer = answer, Correct = true, Source = "expert" };
    }

    public Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng)
    {
        var parcel = Parse(problem.Question);
        var expert = Work(parcel, null)!;
        var candidates = new List<Mistake>();
        if (kind == ErrorKind.EarlyStop)
            for (int kept = 2; kept < expert.Steps.Count; kept++) candidates.Add(new Mistake(kind, 0, kept));
        else
        {
            int variants = kind switch
            {
                ErrorKind.ArithmeticSlip => SlipDeltas.Length,
                ErrorKind.WrongRule => WrongRuleVariants,
                ErrorKind.WrongOperand => OperandVariants,
                _ => 1,
            };
            foreach (int rule in Enumerable.Range(Rate, Minimum))
                if (CanMake(kind, rule, expert.Rules.Contains(rule)))
                    for (int v = 0; v < variants; v++) candidates.Add(new Mistake(kind, rule, v));
        }
        NegativeRoutes.Shuffle(candidates, ref rng);

        int tries = 0;
        foreach (var mistake in candidates)
        {
            if (Work(parcel, mistake) is not { } trace) continue;
            var route = NegativeRoutes.Accept(expert.Steps, Format(expert.Total), trace.Steps, Format(trace.Total), trace.FirstError, kind);
            if (route != null) return route;
            if (++tries == NegativeRoutes.Tries) break;
        }
        return null;
    }

    public bool Verify(Problem problem, string answer) => IntegerAnswer.Same(answer, problem.Answer);

    // ---- The parcel and its price ----

    private sealed record Parcel(int Kg, char Zone, int? Insured, IReadOnlySet<int> Flags)
    {
        public int ZoneRate => ZoneRates[Zone - 'A'];

        public string Question
        {
            get
            {
                var words = new List<string> { $"{Kg}kg", "zone", Zone.ToString() };
                foreach (var (rule, word) in Keywords)
                {
                    if (rule == Oversize && Insured is { } insured) words.Add($"ins={insured}"); // in rule order
                    if (Flags.Contains(rule)) words.Add(word);
                }
                return string.Join(' ', words);
            }
        }
    }

    /// <summary>The route so far: step texts, the rules they name, the running total, and where a mistake was made (1-based).</summary>
    private sealed record Trace(List<string> Steps, List<int> Rules, long Total, int FirstError);

    /// <summary>One mistake at rule <see cref="Rule"/> (for an early stop: after <see cref="Variant"/> steps).</summary>
    private readonly record struct Mistake(ErrorKind Kind, int Rule, int Variant);

    private static bool Applies(int rule, Parcel p, long total) => rule switch
    {
        Rate or Weight => true,
        Heavy => p.Kg > 10,
        Insurance => p.Insured >= 100,
        BigTotal => total > 100,
        Minimum => total < MinimumCharge,
        _ => p.Flags.Contains(rule),
    };

    /// <summary>Where a rule that does not apply is a tempting mistake: insurance rounded up to 100, R11 just under its threshold.</summary>
    private static bool Misapplicable(int rule, Parcel p, long total) => rule switch
    {
        Insurance => p.Insured is > 0 and < 100,
        BigTotal => total is >= 80 and <= 100,
        _ => false,
    };

    private static bool CanMake(ErrorKind kind, int rule, bool inRoute) => kind switch
    {
        ErrorKind.WrongRule => true, // wrong values of rules in the route, or rules applied that do not apply
        ErrorKind.SkippedRule => inRoute && rule >= Heavy,
        _ => inRoute && rule is not (Rate or Minimum), // slips and copied operands need an operation
    };

    /// <summary>
    /// Prices the parcel rule by rule; with a mistake, makes it at its rule and carries on correctly from
    /// the total it gave. Null when the mistake has nothing to act on or leaves the totals' range.
    /// </summary>
    private static Trace? Work(Parcel p, Mistake? mistake)
    {
        var steps = new List<string>();
        var rules = new List<int>();
        var written = new List<long> { p.Kg, p.ZoneRate }; // numbers a copying mistake can take
        if (p.Insured is { } ins) written.Add(ins);
        long rate = p.ZoneRate, total = 0;
        int firstError = 0;
        for (int rule = Rate; rule <= Minimum; rule++)
        {
            bool here = mistake is { } m && m.Kind != ErrorKind.EarlyStop && m.Rule == rule;
            var kind = mistake?.Kind;
            int variant = mistake?.Variant ?? 0;
            bool misapplied = here && kind == ErrorKind.WrongRule && variant == 0 && !Applies(rule, p, total) && Misapplicable(rule, p, total);
            if (!Applies(rule, p, total) && !misapplied) continue;
            if (kind == ErrorKind.EarlyStop && steps.Count == variant) return new Trace(steps, rules, total, steps.Count + 1);
            if (here)
            {
                firstError = steps.Count + 1;
                if (kind == ErrorKind.SkippedRule) continue;
            }

            long input = rule == Weight ? p.Kg : total;
            if (here && kind == ErrorKind.WrongOperand)
            {
                var pool = written.Where(x => x != input).Distinct().ToList();
                if (variant >= pool.Count) return null;
                input = pool[variant];
            }
            int? wrong = here && kind == ErrorKind.WrongRule ? variant : null;
            if (StepOf(rule, p, input, rate, wrong, misapplied) is not var (prefix, result)) return null;
            if (here && kind == ErrorKind.ArithmeticSlip) result += SlipDeltas[variant];
            if (mistake != null && result is < 0 or > MaxValue) return null; // negative routes look like generated ones

            steps.Add(prefix + Format(result));
            rules.Add(rule);
            if (rule == Rate) rate = result;
            else
            {
                total = result;
                written.Add(result);
            }
        }
        if (mistake != null && firstError == 0) return null;
        return new Trace(steps, rules, total, firstError);
    }

    /// <summary>
    /// One step as the text before its result, and the result. <paramref name="wrong"/> asks for a wrong
    /// version of the rule (which one, for rules with several); null when the rule has no such version.
    /// </summary>
    private static (string Prefix, long Result)? StepOf(int rule, Parcel p, long t, long rate, int? wrong, bool misapplied)
    {
        // Rules with one wrong version have it as variant 0 only.
        bool w = wrong == 0;
        if (wrong > 0 && rule is not (Rate or Insurance)) return null;
        switch (rule)
        {
            case Rate:
                long r = wrong is { } v ? ZoneRates[(p.Zone - 'A' + 1 + v) % ZoneRates.Length] : rate;
                return ($"R1: zone {p.Zone} rate ", r);
            case Weight:
                return w ? null : ($"R2: {t}*{rate}=", t * rate);
            case Heavy:
                long off = w ? p.Kg : p.Kg - 10; // wrong: the discount taken for every kg
                return ($"R3: {t}-{off}=", t - off);
            case Express:
                int factor = w ? 3 : 2;
                return ($"R4: {t}*{factor}=", t * factor);
            case Economy:
                long less = w ? 2 * p.Kg : p.Kg;
                return ($"R5: {t}-{less}=", t - less);
            case Fragile: return Add("R6", t, w ? 8 : 6);         // wrong: oversize's surcharge
            case Saturday: return Add("R7", t, w ? 10 : 5);       // wrong: Sunday's
            case Sunday: return Add("R8", t, w ? 5 : 10);         // wrong: Saturday's
            case Oversize: return Add("R10", t, w ? 6 : 8);       // wrong: fragile's
            case Insurance:
                int insured = p.Insured ?? 0;
                long hundreds = insured / 100, each = 3;
                if (misapplied || wrong == 1)
                {
                    if (insured % 100 == 0) return null;
                    hundreds++; // rounded up instead of counting full hundreds
                }
                else if (w) each = 2;
                return ($"R9: {t}+{hundreds}*{each}=", t + hundreds * each);
            case BigTotal:
                return w && !misapplied ? null : ($"R11: {t}-10=", t - 10);
            case Member:
                long tenth = t / 10;
                if (w)
                {
                    if (t % 10 == 0) return null;
                    tenth++; // rounded up instead of full tens
                }
                return ($"R12: {t}-{tenth}=", t - tenth);
            case Minimum:
                long floor = MinimumCharge;
                if (w)
                {
                    if (t >= 10) return null;
                    floor = 10;
                }
                return ($"R13: {t} up to ", floor);
            default:
                throw new InvalidOperationException($"no tariff rule R{rule}");
        }

        static (string, long) Add(string name, long t, int amount) => ($"{name}: {t}+{amount}=", t + amount);
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    // ---- Generating parcels ----

    /// <summary>The condition sets of size <paramref name="count"/> a split allows, containing the rule asked for if it is a condition.</summary>
    private List<int[]> ConditionSets(bool heldOutPair, int count, int? useRule)
    {
        var sets = new List<int[]>();
        for (int mask = 0; mask < 1 << Conditions.Length; mask++)
        {
            if (int.PopCount(mask) != count) continue;
            var set = Conditions.Where((_, i) => (mask >> i & 1) != 0).ToArray();
            if (Exclusive.Any(p => set.Contains(p.A) && set.Contains(p.B))) continue;
            if (HeldOutPairs.Any(p => set.Contains(p.A) && set.Contains(p.B)) != heldOutPair) continue;
            if (useRule is { } rule && Conditions.Contains(rule) && !set.Contains(rule)) continue;
            sets.Add(set);
        }
        return sets;
    }

    private static Parcel RandomParcel(ref SplitMix64 rng, int[] conditions)
    {
        int kg = conditions.Contains(Heavy) ? 11 + rng.NextInt(20) : 1 + rng.NextInt(10);
        char zone = (char)('A' + rng.NextInt(ZoneRates.Length));
        int? insured = conditions.Contains(Insurance) ? 100 + 50 * rng.NextInt(18)
            : rng.NextInt(6) == 0 ? 10 * (1 + rng.NextInt(9)) : null; // sometimes a value too small to charge for
        var flags = conditions.Where(c => c is not (Heavy or Insurance)).ToHashSet();
        return new Parcel(kg, zone, insured, flags);
    }

    // ---- Reading questions ----

    private static Parcel Parse(string question)
    {
        var words = question.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || !words[0].EndsWith("kg", StringComparison.Ordinal)
            || !int.TryParse(words[0].AsSpan(0, words[0].Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int kg)
            || kg is < 1 or > MaxValue || words[1] != "zone" || words[2] is not ("A" or "B" or "C" or "D"))
            throw NotAParcel(question, "it must start with the weight and zone, e.g. \"7kg zone B\"");
        int? insured = null;
        var flags = new HashSet<int>();
        foreach (var word in words.Skip(3))
        {
            int rule = Array.FindIndex(Keywords, k => k.Word == word);
            if (rule >= 0)
            {
                if (!flags.Add(Keywords[rule].Rule)) throw NotAParcel(question, $"\"{word}\" appears twice");
            }
            else if (word.StartsWith("ins=", StringComparison.Ordinal) && insured == null
                && int.TryParse(word.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value <= 99999)
                insured = value;
            else
                throw NotAParcel(question, $"unknown or repeated word \"{word}\"");
        }
        return new Parcel(kg, words[2][0], insured, flags);
    }

    private static RealmException NotAParcel(string question, string reason) =>
        new($"question \"{question}\" is not a tariff question: {reason}");
}
