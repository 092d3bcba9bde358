using System.Globalization;
using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// "payroll", a vertical domain: a weekly pay slip. A question names a week
/// (<c>46h rate 12 night sun union kids=2</c>) and the pay follows 12 rules the question does not state.
/// Unlike tariff's single running total, the expert tracks three quantities: the hourly rate (night
/// raises it before anything is paid), the gross (the pay after R2..R6, on which tax and union dues are
/// charged) and the net. Hours are tiered (40 at the rate, overtime at 1.5 times it), tax is charged by
/// brackets, one step per bracket, the bonus is capped and the minimum pay is a floor, both decided by
/// the pay so far, and the order matters: the rate before the pay, the pension on the net after the
/// child credit. One rule per step ("R3: 480+6*18=588"), every number a whole number within 0..999.
/// Difficulty = number of the eight optional conditions that apply: night (R1), overtime (over 40 h,
/// R3), Sunday (R4), bonus (R5), children (R9), union (R10), pension (R11), advance (R12). Minimum pay
/// (R6) and the tax brackets (R7, R8) follow from the gross and are not counted; "kids=0" may appear as
/// a distractor.
/// <para>
/// Splits. Train, dev and id (1..T conditions, T = <see cref="PayrollKnobs.TrainMax"/> = 4 by default)
/// and ood-length (T+1 by default) never have night with overtime or Sunday with bonus, which leaves
/// them at most six conditions. Every ood-compose problem (2..T by default, up to 8 possible) has at
/// least one of those pairs: overtime at the raised night rate, a bonus on a gross with Sunday pay.
/// </para>
/// </summary>
public sealed class PayrollDomain : IDomain
{
    // Rule numbers, as routes name them, in the order they are applied.
    private const int Night = 1, Base = 2, Overtime = 3, Sunday = 4, Bonus = 5, Minimum = 6, Tax = 7, HigherTax = 8,
        Kids = 9, Union = 10, Pension = 11, Advance = 12;

    private const int NightRaise = 2, WeekHours = 40, SundayHours = 8, BonusCap = 40, MinimumPay = 250,
        TaxFree = 200, HigherBand = 500, ChildCredit = 5, MaxChildren = 3, UnionDue = 2, PensionPer = 20;

    private static readonly int[] Conditions = [Night, Overtime, Sunday, Bonus, Kids, Union, Pension, Advance];
    private static readonly (int Rule, string Word)[] Keywords =
        [(Night, "night"), (Sunday, "sun"), (Bonus, "bonus"), (Union, "union"), (Pension, "pension")];

    private const int MaxValue = 999;
    private const int AttemptsPerDifficulty = 500;
    private const int WrongRuleVariants = 2;
    private const int OperandVariants = 8;
    private static readonly int[] SlipDeltas = [-1, 1, -2, 2, -10, 10];

    private readonly PayrollKnobs _knobs;
    private readonly int _maxWithoutHeldOut;

    public PayrollDomain(PayrollKnobs? knobs = null)
    {
        _knobs = knobs ?? new PayrollKnobs();
        _maxWithoutHeldOut = Enumerable.Range(1, Conditions.Length).Last(n => ConditionSets(false, n, null).Count > 0);
        _knobs.Validate(_maxWithoutHeldOut);
        // The largest gross: the night rate, all overtime, Sunday and the capped bonus; the child credit can come on top.
        int rate = _knobs.Rates.Max() + NightRaise;
        int most = WeekHours * rate + _knobs.MaxOvertime * rate * 3 / 2 + SundayHours * rate + BonusCap + ChildCredit * MaxChildren;
        PayrollKnobs.Check(most <= MaxValue, nameof(PayrollKnobs.Rates), $"and {nameof(PayrollKnobs.MaxOvertime)} allow a pay of {most}, above {MaxValue}");
    }

    /// <summary>Condition pairs that never occur together outside ood-compose; every ood-compose problem has one.</summary>
    public IReadOnlyList<(int A, int B)> HeldOutPairs { get; } = [(Night, Overtime), (Sunday, Bonus)];

    public string Name => "payroll";
    public int MaxDifficulty => Conditions.Length;

    public Rulebook Rulebook { get; } = new("payroll-v1",
    [
        "Night shift (night): the hourly rate goes up by 2.",
        "Base pay: the hours up to 40 times the rate.",
        "Overtime: each hour above 40 is paid 1.5 times the rate.",
        "Sunday (sun): add 8 hours at the rate.",
        "Bonus: add a tenth of the pay so far, at most 40.",
        "Minimum pay: a pay below 250 becomes 250. The pay now is the gross.",
        "Tax: take off a tenth of the gross above 200.",
        "Higher tax: take off a further tenth of the gross above 500.",
        "Child credit (kids=N): add 5 per child, for at most 3.",
        "Union: take off 2 for each full 100 of the gross.",
        "Pension: take off 1 for each full 20 of the net so far.",
        "Advance (adv=N): take off N.",
    ]);

    public (int Min, int Max) DefaultDifficulty(string split) => Splits.DefaultDifficulty(split, _knobs.TrainMax);

    // The held-out pairs leave the other splits at most six conditions; an unseen pair takes two.
    public (int Min, int Max) AllowedDifficulty(string split) =>
        Splits.ShiftOf(split) == SplitShift.Compose ? (2, MaxDifficulty) : (1, _maxWithoutHeldOut);

    public Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null)
    {
        bool compose = Splits.ShiftOf(split) == SplitShift.Compose;
        var (min, max) = AllowedDifficulty(split);
        Splits.CheckDifficulty(Name, split, difficulty, min, max);
        if (useRule is < Night or > Advance) throw new ArgumentOutOfRangeException(nameof(useRule), useRule, "payroll rules are R1..R12");

        foreach (int d in Splits.DifficultiesToTry(difficulty, min, max, useRule != null))
        {
            var sets = ConditionSets(compose, d, useRule);
            if (sets.Count == 0) continue;
            for (int attempt = 0; attempt < AttemptsPerDifficulty; attempt++)
            {
                var week = RandomWeek(ref rng, sets[rng.NextInt(sets.Count)]);
                var trace = Work(week, null)!;
                if (useRule is { } rule && !trace.Rules.Contains(rule)) continue; // R6 and R8 depend on the gross
                return new Problem
                {
                    Id = id, Domain = Name, Question = week.Question, Answer = Format(trace.Net),
                    Difficulty = d, Split = split, Rulebook = Rulebook.Id,
                };
            }
        }
        throw new InvalidOperationException($"no {split} payroll problem of difficulty {difficulty}{(useRule is { } r ? $" using R{r}" : "")} found");
    }

    public Route Solve(Problem problem)
    {
        var trace = Work(Parse(problem.Question), null)!;
        string answer = Format(trace.Net);
        return new Route { Text = RouteText.Format(trace.Steps, answer), Answer = answer, Correct = true, Source = "expert" };
    }

    public Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng)
    {
        var week = Parse(problem.Question);
        var expert = Work(week, null)!;
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
            foreach (int rule in expert.Rules)
                if (CanMake(kind, rule))
                    for (int v = 0; v < variants; v++) candidates.Add(new Mistake(kind, rule, v));
        }
        NegativeRoutes.Shuffle(candidates, ref rng);

        int tries = 0;
        foreach (var mistake in candidates)
        {
            if (Work(week, mistake) is not { } trace) continue;
            var route = NegativeRoutes.Accept(expert.Steps, Format(expert.Net), trace.Steps, Format(trace.Net), trace.FirstError, kind);
            if (route != null) return route;
            if (++tries == NegativeRoutes.Tries) break;
        }
        return null;
    }

    public bool Verify(Problem problem, string answer) => IntegerAnswer.Same(answer, problem.Answer);

    // ---- The week and its pay ----

    /// <summary>A week: hours, rate, children and advance as the question states them (null: not stated), and the flag words.</summary>
    private sealed record Week(int Hours, int Rate, int? Kids, int? Advance, IReadOnlySet<int> Flags)
    {
        public string Question
        {
            get
            {
                var words = new List<string> { $"{Hours}h", "rate", Format(Rate) };
                foreach (var (rule, word) in Keywords)
                {
                    if (rule == Union && Kids is { } kids) words.Add($"kids={kids}"); // in rule order
                    if (Flags.Contains(rule)) words.Add(word);
                }
                if (Advance is { } advance) words.Add($"adv={advance}");
                return string.Join(' ', words);
            }
        }
    }

    /// <summary>The route so far: step texts, the rules they name, the net reached, and where a mistake was made (1-based).</summary>
    private sealed record Trace(List<string> Steps, List<int> Rules, long Net, int FirstError);

    /// <summary>One mistake at rule <see cref="Rule"/> (for an early stop: after <see cref="Variant"/> steps).</summary>
    private readonly record struct Mistake(ErrorKind Kind, int Rule, int Variant);

    private static bool Applies(int rule, Week w, long gross, long pay) => rule switch
    {
        Base => true,
        Overtime => w.Hours > WeekHours,
        Minimum => pay < MinimumPay,
        Tax => gross > TaxFree,
        HigherTax => gross > HigherBand,
        Kids => w.Kids > 0,
        Advance => w.Advance > 0,
        _ => w.Flags.Contains(rule),
    };

    private static bool CanMake(ErrorKind kind, int rule) => kind switch
    {
        ErrorKind.WrongRule => true,
        ErrorKind.SkippedRule => rule != Base,
        _ => rule != Minimum, // slips and copied operands need an operation
    };

    /// <summary>
    /// Works the pay slip out rule by rule; with a mistake, makes it at its rule and carries on correctly
    /// from the values it gave (a wrong gross is then taxed as the gross). Null when the mistake has
    /// nothing to act on or leaves the range of whole numbers 0..999.
    /// </summary>
    private static Trace? Work(Week w, Mistake? mistake)
    {
        var steps = new List<string>();
        var rules = new List<int>();
        var written = new List<long> { w.Hours, w.Rate }; // numbers a copying mistake can take
        if (w.Kids is { } k) written.Add(k);
        if (w.Advance is { } a) written.Add(a);
        long rate = w.Rate, pay = 0, gross = 0;
        int firstError = 0;
        for (int rule = Night; rule <= Advance; rule++)
        {
            if (rule <= Tax) gross = pay; // the gross is the pay once the minimum has been applied
            if (!Applies(rule, w, gross, pay)) continue;
            bool here = mistake is { } m && m.Kind != ErrorKind.EarlyStop && m.Rule == rule;
            var kind = mistake?.Kind;
            int variant = mistake?.Variant ?? 0;
            if (kind == ErrorKind.EarlyStop && steps.Count == variant) return new Trace(steps, rules, pay, steps.Count + 1);
            if (here)
            {
                firstError = steps.Count + 1;
                if (kind == ErrorKind.SkippedRule) continue;
            }

            // The number the step works on: the rate for R1 and R2, the pay so far for the others.
            long input = rule is Night or Base ? rate : pay;
            if (here && kind == ErrorKind.WrongOperand)
            {
                var pool = written.Where(x => x != input).Distinct().ToList();
                if (variant >= pool.Count) return null;
                input = pool[variant];
            }
            int? wrong = here && kind == ErrorKind.WrongRule ? variant : null;
            if (StepOf(rule, w, input, rate, gross, wrong) is not var (prefix, result)) return null;
            if (here && kind == ErrorKind.ArithmeticSlip) result += SlipDeltas[variant];
            if (mistake != null && result is < 0 or > MaxValue) return null; // negative routes look like generated ones

            steps.Add(prefix + Format(result));
            rules.Add(rule);
            written.Add(result);
            if (rule == Night) rate = result;
            else pay = result;
        }
        if (mistake != null && firstError == 0) return null;
        return new Trace(steps, rules, pay, firstError);
    }

    /// <summary>
    /// One step as the text before its result, and the result; <paramref name="t"/> is the number it works
    /// on. <paramref name="wrong"/> asks for a wrong version of the rule (0 or 1); null when the rule has no
    /// such version here, or when an odd rate (after a mistake) would make overtime pay a fraction.
    /// </summary>
    private static (string Prefix, long Result)? StepOf(int rule, Week w, long t, long rate, long gross, int? wrong)
    {
        bool w0 = wrong == 0, w1 = wrong == 1;
        if (w1 && rule is not (Overtime or HigherTax or Union or Pension)) return null;
        switch (rule)
        {
            case Night:
                long raise = w0 ? 2 * NightRaise : NightRaise;
                return ($"R1: {t}+{raise}=", t + raise);
            case Base:
                if (w0 && w.Hours <= WeekHours) return null;
                long hours = w0 ? w.Hours : Math.Min(w.Hours, WeekHours); // wrong: every hour at the plain rate
                return ($"R2: {hours}*{t}=", hours * t);
            case Overtime:
                if (rate % 2 != 0) return null;
                long extra = w0 ? rate : w1 ? 2 * rate : rate * 3 / 2; // wrong: no premium, or double time
                return ($"R3: {t}+{w.Hours - WeekHours}*{extra}=", t + (w.Hours - WeekHours) * extra);
            case Sunday:
                if (w0 && rate % 2 != 0) return null;
                long perHour = w0 ? rate * 3 / 2 : rate; // wrong: paid like overtime
                return ($"R4: {t}+{SundayHours}*{perHour}=", t + SundayHours * perHour);
            case Bonus:
                long tenth = t / 10, bonus = Math.Min(tenth, BonusCap);
                if (w0)
                {
                    if (tenth == BonusCap) return null;
                    bonus = tenth > BonusCap ? tenth : BonusCap; // wrong: the cap ignored, or taken as the bonus
                }
                return ($"R5: {t}+{bonus}=", t + bonus);
            case Minimum:
                if (w0 && t >= TaxFree) return null;
                long floor = w0 ? TaxFree : MinimumPay; // wrong: the tax-free amount taken as the minimum
                return ($"R6: {t} up to ", floor);
            case Tax:
                long tax = (w0 ? gross : gross - TaxFree) / 10; // wrong: the whole gross taxed
                return ($"R7: {t}-{tax}=", t - tax);
            case HigherTax:
                long higher = (gross - HigherBand) / (w0 ? 5 : 10); // wrong: a fifth
                if (w1)
                {
                    if (t <= HigherBand || (t - HigherBand) / 10 == higher) return null;
                    higher = (t - HigherBand) / 10; // wrong: charged on the net so far, not the gross
                }
                return ($"R8: {t}-{higher}=", t - higher);
            case Kids:
                int children = w.Kids!.Value;
                if (w0 && children <= MaxChildren) return null;
                long counted = w0 ? children : Math.Min(children, MaxChildren); // wrong: the cap ignored
                return ($"R9: {t}+{counted}*{ChildCredit}=", t + counted * ChildCredit);
            case Union:
                long hundreds = gross / 100;
                if (w0)
                {
                    if (gross % 100 == 0) return null;
                    hundreds++; // wrong: rounded up
                }
                else if (w1)
                {
                    if (t / 100 == hundreds) return null;
                    hundreds = t / 100; // wrong: on the net so far, not the gross
                }
                return ($"R10: {t}-{hundreds}*{UnionDue}=", t - hundreds * UnionDue);
            case Pension:
                long pension = t / PensionPer;
                if (w0)
                {
                    if (t % PensionPer == 0) return null;
                    pension++; // wrong: rounded up
                }
                else if (w1)
                {
                    if (gross / PensionPer == pension) return null;
                    pension = gross / PensionPer; // wrong: on the gross, not the net so far
                }
                return ($"R11: {t}-{pension}=", t - pension);
            case Advance:
                long advance = w.Advance!.Value;
                return w0 ? ($"R12: {t}+{advance}=", t + advance) : ($"R12: {t}-{advance}=", t - advance); // wrong: added
            default:
                throw new InvalidOperationException($"no payroll rule R{rule}");
        }
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    // ---- Generating weeks ----

    /// <summary>The condition sets of size <paramref name="count"/> a split allows, containing the rule asked for if it is a condition.</summary>
    private List<int[]> ConditionSets(bool heldOutPair, int count, int? useRule)
    {
        var sets = new List<int[]>();
        for (int mask = 0; mask < 1 << Conditions.Length; mask++)
        {
            if (int.PopCount(mask) != count) continue;
            var set = Conditions.Where((_, i) => (mask >> i & 1) != 0).ToArray();
            if (HeldOutPairs.Any(p => set.Contains(p.A) && set.Contains(p.B)) != heldOutPair) continue;
            if (useRule is { } rule && Conditions.Contains(rule) && !set.Contains(rule)) continue;
            sets.Add(set);
        }
        return sets;
    }

    private Week RandomWeek(ref SplitMix64 rng, int[] conditions)
    {
        var k = _knobs;
        int hours = conditions.Contains(Overtime) ? WeekHours + 1 + rng.NextInt(k.MaxOvertime) : k.MinHours + rng.NextInt(WeekHours - k.MinHours + 1);
        int rate = k.Rates[rng.NextInt(k.Rates.Count)];
        int? kids = conditions.Contains(Kids) ? 1 + rng.NextInt(k.MaxKids)
            : k.DistractorOneIn > 0 && rng.NextInt(k.DistractorOneIn) == 0 ? 0 : null; // sometimes "kids=0": no credit
        int? advance = conditions.Contains(Advance) ? k.AdvanceStep * (1 + rng.NextInt(k.MaxAdvance / k.AdvanceStep)) : null;
        var flags = conditions.Where(c => c is not (Overtime or Kids or Advance)).ToHashSet();
        return new Week(hours, rate, kids, advance, flags);
    }

    // ---- Reading questions ----

    private static Week Parse(string question)
    {
        var words = question.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || !words[0].EndsWith('h')
            || !int.TryParse(words[0].AsSpan(0, words[0].Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int hours)
            || hours is < 1 or > 99 || words[1] != "rate"
            || !int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out int rate) || rate is < 2 or > 98)
            throw NotAWeek(question, "it must start with the hours and the hourly rate, e.g. \"46h rate 12\"");
        if (rate % 2 != 0) throw NotAWeek(question, $"the rate {rate} is odd, and overtime pays 1.5 times it in whole numbers");
        int? kids = null, advance = null;
        var flags = new HashSet<int>();
        foreach (var word in words.Skip(3))
        {
            int keyword = Array.FindIndex(Keywords, kw => kw.Word == word);
            if (keyword >= 0)
            {
                if (!flags.Add(Keywords[keyword].Rule)) throw NotAWeek(question, $"\"{word}\" appears twice");
            }
            else if (kids == null && Number(word, "kids=", 9) is { } n) kids = n;
            else if (advance == null && Number(word, "adv=", MaxValue) is { } v) advance = v;
            else throw NotAWeek(question, $"unknown or repeated word \"{word}\"");
        }
        return new Week(hours, rate, kids, advance, flags);

        static int? Number(string word, string prefix, int max) =>
            word.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(word.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value <= max
                ? value : null;
    }

    private static RealmException NotAWeek(string question, string reason) =>
        new($"question \"{question}\" is not a payroll question: {reason}");
}
