using System.Globalization;
using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// "arith": whole-number expressions such as <c>17+25*3-9</c> or <c>(4+6)*3-8/2</c>, the general
/// multi-step reasoning the base model is pretrained on. The expert works out one operation per step
/// and names the rule that decides it ("R2: 25*3=75"): R4 for /, R5 for %, R6 for a difference below
/// zero, otherwise R1 inside brackets, R2 for * and R3 for + and -. Difficulty = number of operations.
/// <para>
/// Splits. "train", "dev", "id" (difficulty 1..4 by default) and "ood-length" (5 by default: one
/// operation more) never use brackets (R1) together with a remainder (R5), nor a whole division (R4)
/// together with a difference below zero (R6). Every "ood-compose" problem (2..4 by default) uses at
/// least one of those pairs. Any difficulty 1..6 can be asked for, except that an ood-compose problem
/// needs at least two operations.
/// </para>
/// </summary>
public sealed class ArithmeticDomain : IDomain
{
    // Rule numbers, as routes name them.
    private const int Brackets = 1, Rank = 2, LeftToRight = 3, WholeDivision = 4, Remainder = 5, BelowZero = 6;

    /// <summary>Rule pairs that never occur together outside ood-compose; every ood-compose problem has one.</summary>
    public IReadOnlyList<(int A, int B)> HeldOutPairs { get; } = [(Brackets, Remainder), (WholeDivision, BelowZero)];

    private const int TrainMax = 4;

    // Generated problems and their negative routes keep every number small, for a tiny byte-level model.
    private const int MaxValue = 999;
    private const int AttemptsPerDifficulty = 2000;
    private const int OutOfOrderVariants = 4;
    private const int OperandVariants = 24;
    private static readonly int[] SlipDeltas = [-1, 1, -2, 2, -10, 10];

    public string Name => "arith";
    public int MaxDifficulty => 6;

    public Rulebook Rulebook { get; } = new("arith-v1",
    [
        "Work out brackets first, the innermost first.",
        "Do *, / and % before + and -.",
        "Operations of equal rank go from left to right.",
        "a/b is whole division: keep the quotient, drop the remainder (17/5=3).",
        "a%b is the remainder of a/b (17%5=2).",
        "A difference below zero keeps its minus sign (3-8=-5).",
    ]);

    public (int Min, int Max) DefaultDifficulty(string split) => Splits.DefaultDifficulty(split, TrainMax);

    // An unseen pair of rules takes two operations.
    public (int Min, int Max) AllowedDifficulty(string split) =>
        (Splits.ShiftOf(split) == SplitShift.Compose ? 2 : 1, MaxDifficulty);

    public Problem Generate(ref SplitMix64 rng, string split, int difficulty, string id, int? useRule = null)
    {
        bool compose = Splits.ShiftOf(split) == SplitShift.Compose;
        var (min, max) = AllowedDifficulty(split);
        Splits.CheckDifficulty(Name, split, difficulty, min, max);
        if (useRule is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(useRule), useRule, "arith rules are R1..R6");

        foreach (int d in Splits.DifficultiesToTry(difficulty, min, max, useRule != null))
            for (int attempt = 0; attempt < AttemptsPerDifficulty; attempt++)
            {
                var tokens = RandomExpression(ref rng, d, compose, useRule);
                if (Work(tokens, null) is not { } trace || !WithinLimits(trace)) continue;
                var used = trace.Steps.Select(s => s.Rule).ToHashSet();
                if (useRule is { } rule && !used.Contains(rule)) continue;
                if (HeldOutPairs.Any(p => used.Contains(p.A) && used.Contains(p.B)) != compose) continue;
                return new Problem
                {
                    Id = id, Domain = Name, Question = Render(tokens), Answer = Format(trace.Value),
                    Difficulty = d, Split = split, Rulebook = Rulebook.Id,
                };
            }
        throw new InvalidOperationException($"no {split} arith problem of difficulty {difficulty}{(useRule is { } r ? $" using R{r}" : "")} found");
    }

    public Route Solve(Problem problem)
    {
        var trace = Work(Parse(problem.Question), null) ?? throw Undefined(problem.Question);
        string answer = Format(trace.Value);
        return new Route { Text = RouteText.Format(Texts(trace), answer), Answer = answer, Correct = true, Source = "expert" };
    }

    public Route? Corrupt(Problem problem, ErrorKind kind, ref SplitMix64 rng)
    {
        var tokens = Parse(problem.Question);
        var expert = Work(tokens, null) ?? throw Undefined(problem.Question);
        var expertSteps = Texts(expert);
        int variants = kind switch
        {
            ErrorKind.ArithmeticSlip => SlipDeltas.Length,
            ErrorKind.WrongRule => 1 + OutOfOrderVariants, // 0: a wrong value of R4/R5/R6; then operations done out of order
            ErrorKind.WrongOperand => OperandVariants,     // which side, which number
            _ => 1,
        };
        var candidates = new List<Mistake>();
        for (int step = kind == ErrorKind.EarlyStop ? 1 : 0; step < expert.Steps.Count; step++)
            for (int v = 0; v < variants; v++) candidates.Add(new Mistake(kind, step, v));
        NegativeRoutes.Shuffle(candidates, ref rng);

        int tries = 0;
        foreach (var mistake in candidates)
        {
            if (Work(tokens, mistake) is not { } trace || !WithinLimits(trace)) continue;
            var route = NegativeRoutes.Accept(expertSteps, Format(expert.Value), Texts(trace), Format(trace.Value), trace.FirstError, kind);
            if (route != null) return route;
            if (++tries == NegativeRoutes.Tries) break;
        }
        return null;
    }

    public bool Verify(Problem problem, string answer) => IntegerAnswer.Same(answer, problem.Answer);

    // ---- Working an expression out, step by step, as the rulebook says ----

    private readonly record struct Token(char Symbol, long Value)
    {
        public bool IsNumber => Symbol == '#';
        public static Token Number(long value) => new('#', value);
    }

    private sealed record Step(int Rule, long Left, char Op, long Right, long Result)
    {
        public string Text => string.Create(CultureInfo.InvariantCulture, $"R{Rule}: {Left}{Op}{Right}={Result}");
    }

    /// <summary>The steps taken, the value reached and, for a mistaken run, the 1-based step of the mistake.</summary>
    private sealed record Trace(List<Step> Steps, long Value, int FirstError);

    /// <summary>One mistake, made at the step with 0-based index <see cref="Step"/>; Variant picks which.</summary>
    private readonly record struct Mistake(ErrorKind Kind, int Step, int Variant);

    /// <summary>
    /// Works the expression out; with a mistake, makes it at its step and carries on correctly from the
    /// result. Null when an operation is undefined (division by zero, of or by a negative number) or the
    /// mistake has nothing to act on.
    /// </summary>
    private static Trace? Work(List<Token> question, Mistake? mistake)
    {
        var t = new List<Token>(question);
        CollapseBrackets(t);
        var steps = new List<Step>();
        int firstError = 0;
        while (t.Count > 1)
        {
            int at = NextOperation(t, out bool inBrackets);
            bool here = mistake is { } m && firstError == 0 && steps.Count == m.Step;
            var kind = mistake?.Kind;
            int variant = mistake?.Variant ?? 0;
            if (here)
            {
                firstError = steps.Count + 1;
                if (kind == ErrorKind.EarlyStop) return steps.Count == 0 ? null : new Trace(steps, steps[^1].Result, firstError);
                if (kind == ErrorKind.SkippedRule)
                {
                    Replace(t, at, t[at - 1].Value); // "a op b" left as just "a": the operation is forgotten
                    continue;
                }
                if (kind == ErrorKind.WrongRule && variant > 0)
                {
                    if (OtherOperation(t, at, variant - 1) is not { } other) return null;
                    at = other;
                    inBrackets = InsideBrackets(t, at);
                }
            }

            long left = t[at - 1].Value, right = t[at + 1].Value;
            char op = t[at].Symbol;
            if (here && kind == ErrorKind.WrongOperand)
            {
                bool replaceLeft = variant % 2 == 0;
                long actual = replaceLeft ? left : right;
                var pool = question.Where(x => x.IsNumber).Select(x => x.Value).Concat(steps.Select(s => s.Result))
                    .Where(v => v != actual).Distinct().ToList();
                if (variant / 2 >= pool.Count) return null;
                if (replaceLeft) left = pool[variant / 2]; else right = pool[variant / 2];
            }
            if (Apply(op, left, right) is not { } result) return null;
            int rule = RuleFor(op, result, inBrackets);
            if (here && kind == ErrorKind.ArithmeticSlip)
            {
                long slipped = result + SlipDeltas[variant];
                if (slipped < 0 != result < 0) return null; // a slip in the digits, not in the sign
                result = slipped;
            }
            else if (here && kind == ErrorKind.WrongRule && variant == 0)
            {
                if (WrongValue(op, left, right, result) is not { } wrong) return null;
                result = wrong;
            }
            steps.Add(new Step(rule, left, op, right, result));
            Replace(t, at, result);
        }
        if (mistake != null && firstError == 0) return null;
        return new Trace(steps, t[0].Value, firstError);
    }

    /// <summary>The operation the rules pick next: innermost brackets first (R1), then * / % (R2), then left to right (R3).</summary>
    private static int NextOperation(List<Token> t, out bool inBrackets)
    {
        int close = t.FindIndex(x => x.Symbol == ')');
        int open = close < 0 ? -1 : t.FindLastIndex(close, x => x.Symbol == '(');
        if (close < 0) close = t.Count;
        inBrackets = open >= 0;
        for (int i = open + 1; i < close; i++)
            if (t[i].Symbol is '*' or '/' or '%') return i;
        for (int i = open + 1; i < close; i++)
            if (t[i].Symbol is '+' or '-') return i;
        throw new InvalidOperationException("brackets without an operation survived CollapseBrackets");
    }

    /// <summary>The <paramref name="k"/>-th operation other than the right one that could be done now: both its operands are numbers.</summary>
    private static int? OtherOperation(List<Token> t, int right, int k)
    {
        for (int i = 1; i < t.Count - 1; i++)
            if (i != right && !t[i].IsNumber && t[i].Symbol is not ('(' or ')') && t[i - 1].IsNumber && t[i + 1].IsNumber && k-- == 0)
                return i;
        return null;
    }

    private static bool InsideBrackets(List<Token> t, int at) =>
        t.Take(at).Count(x => x.Symbol == '(') > t.Take(at).Count(x => x.Symbol == ')');

    private static int RuleFor(char op, long result, bool inBrackets) => op switch
    {
        '/' => WholeDivision,
        '%' => Remainder,
        '-' when result < 0 => BelowZero,
        _ when inBrackets => Brackets,
        '*' => Rank,
        _ => LeftToRight,
    };

    private static long? Apply(char op, long a, long b)
    {
        try
        {
            return op switch
            {
                '+' => checked(a + b),
                '-' => checked(a - b),
                '*' => checked(a * b),
                // The rulebook defines whole division and remainders for non-negative numbers only.
                '/' => a < 0 || b <= 0 ? null : a / b,
                '%' => a < 0 || b <= 0 ? null : a % b,
                _ => throw new InvalidOperationException($"unknown operation {op}"),
            };
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A rule misapplied: R4 rounding up, R5 giving the quotient, R6 dropping the minus sign.</summary>
    private static long? WrongValue(char op, long a, long b, long result) => op switch
    {
        '/' when a % b != 0 => result + 1,
        '%' when a / b != result => a / b,
        '-' when result < 0 => -result,
        _ => null,
    };

    /// <summary>Puts <paramref name="value"/> in place of the operation at <paramref name="at"/> and its operands.</summary>
    private static void Replace(List<Token> t, int at, long value)
    {
        t[at - 1] = Token.Number(value);
        t.RemoveRange(at, 2);
        CollapseBrackets(t);
    }

    /// <summary>Brackets around a lone number are done with: "(7)" becomes "7".</summary>
    private static void CollapseBrackets(List<Token> t)
    {
        for (int i = 0; i + 2 < t.Count; i++)
            if (t[i].Symbol == '(' && t[i + 1].IsNumber && t[i + 2].Symbol == ')')
            {
                t.RemoveAt(i + 2);
                t.RemoveAt(i);
                i = -1;
            }
    }

    /// <summary>The shapes generated problems (and the negative routes written for them) keep to.</summary>
    private static bool WithinLimits(Trace trace) => trace.Steps.All(s =>
        s.Right >= 0 && (s.Left >= 0 || s.Op is '+' or '-') && Math.Abs(s.Left) <= MaxValue && s.Right <= MaxValue
        && Math.Abs(s.Result) <= MaxValue);

    private static List<string> Texts(Trace trace) => trace.Steps.Select(s => s.Text).ToList();

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    // ---- Generating expressions ----

    private abstract record Node;
    private sealed record Leaf(long Value) : Node;
    private sealed record Operation(char Op, Node Left, Node Right) : Node;

    /// <summary>A random expression with <paramref name="count"/> operations, including those the request needs.</summary>
    private static List<Token> RandomExpression(ref SplitMix64 rng, int count, bool heldOutPair, int? useRule)
    {
        var ops = new List<char>();
        switch (useRule)
        {
            case Rank: ops.Add('*'); break;
            case LeftToRight: ops.Add('+'); break;
            case WholeDivision: ops.Add('/'); break;
            case Remainder: ops.Add('%'); break;
            case BelowZero: ops.Add('-'); break;
        }
        if (heldOutPair)
        {
            if (rng.NextInt(2) == 0) ops.Add('%'); // with brackets, which the shape may give
            else ops.AddRange(['/', '-']);
        }
        while (ops.Count < count) ops.Add("++--**/%"[rng.NextInt(8)]);
        var tokens = new List<Token>();
        Emit(Build(ops.Take(count).ToList(), ref rng, '+'), tokens);
        return tokens;
    }

    private static Node Build(List<char> ops, ref SplitMix64 rng, char parent)
    {
        if (ops.Count == 0)
            return new Leaf(parent switch
            {
                '*' => 2 + rng.NextInt(8),
                '/' or '%' => 10 + rng.NextInt(90), // the dividend; divisors are made below
                _ => 1 + rng.NextInt(50),
            });
        int root = rng.NextInt(ops.Count);
        char op = ops[root];
        var rest = ops.Where((_, i) => i != root).ToList();
        if (op is '/' or '%') return new Operation(op, Build(rest, ref rng, op), new Leaf(2 + rng.NextInt(8)));
        int split = rng.NextInt(rest.Count + 1);
        return new Operation(op, Build(rest[..split], ref rng, op), Build(rest[split..], ref rng, op));
    }

    /// <summary>Writes a tree with only the brackets its meaning needs (a right operand of equal rank keeps them).</summary>
    private static void Emit(Node node, List<Token> tokens)
    {
        if (node is Leaf leaf)
        {
            tokens.Add(Token.Number(leaf.Value));
            return;
        }
        var (op, left, right) = (Operation)node;
        EmitOperand(left, Precedence(left) < Precedence(op), tokens);
        tokens.Add(new Token(op, 0));
        EmitOperand(right, Precedence(right) <= Precedence(op), tokens);
    }

    private static int Precedence(Node node) => node is Operation o ? Precedence(o.Op) : 3;

    private static int Precedence(char op) => op is '+' or '-' ? 1 : 2;

    private static void EmitOperand(Node node, bool bracket, List<Token> tokens)
    {
        if (bracket) tokens.Add(new Token('(', 0));
        Emit(node, tokens);
        if (bracket) tokens.Add(new Token(')', 0));
    }

    private static string Render(List<Token> tokens) =>
        string.Concat(tokens.Select(t => t.IsNumber ? Format(t.Value) : t.Symbol.ToString()));

    // ---- Reading questions ----

    private static List<Token> Parse(string question)
    {
        var tokens = new List<Token>();
        for (int i = 0; i < question.Length;)
        {
            char c = question[i];
            if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < question.Length && char.IsAsciiDigit(question[i])) i++;
                if (i - start > 9) throw NotAnExpression(question);
                tokens.Add(Token.Number(long.Parse(question.AsSpan(start, i - start), CultureInfo.InvariantCulture)));
                continue;
            }
            if ("+-*/%()".Contains(c)) tokens.Add(new Token(c, 0));
            else if (!char.IsWhiteSpace(c)) throw NotAnExpression(question);
            i++;
        }
        int position = 0;
        if (!Expression(tokens, ref position) || position != tokens.Count) throw NotAnExpression(question);
        return tokens;
    }

    // expression := operand (op operand)* ; operand := number | "(" expression ")"
    private static bool Expression(List<Token> t, ref int i)
    {
        if (!Operand(t, ref i)) return false;
        while (i < t.Count && t[i].Symbol is '+' or '-' or '*' or '/' or '%')
        {
            i++;
            if (!Operand(t, ref i)) return false;
        }
        return true;
    }

    private static bool Operand(List<Token> t, ref int i)
    {
        if (i >= t.Count) return false;
        if (t[i].IsNumber) { i++; return true; }
        if (t[i].Symbol != '(') return false;
        i++;
        if (!Expression(t, ref i) || i >= t.Count || t[i].Symbol != ')') return false;
        i++;
        return true;
    }

    private static RealmException NotAnExpression(string question) =>
        new($"question \"{question}\" is not an arith expression (whole numbers, + - * / %, brackets)");

    private static RealmException Undefined(string question) =>
        new($"question \"{question}\" divides by zero or divides a negative number, which the arith rulebook does not define");
}
