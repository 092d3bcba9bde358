using System.Text.RegularExpressions;
using Realm.Engine.Compute;

namespace Realm.Cli.Demo;

/// <summary>
/// The engine demo's built-in data: short arithmetic chains with a worked solution, e.g.
/// "Q: 17+25-9" / "A: 17+25=42, 42-9=33. Answer: 33". Generated procedurally from a seed.
/// </summary>
internal static partial class ArithmeticProblems
{
    public sealed record Problem(string Question, string Solution, int Answer)
    {
        public string Prompt => $"Q: {Question}\nA:";
        public string Document => $"{Prompt} {Solution}";
    }

    public static Problem Make(ref SplitMix64 rng)
    {
        int a = rng.NextInt(50), b = rng.NextInt(50), c = rng.NextInt(50);
        bool plus = rng.NextInt(2) == 0;
        int ab = a + b, result = plus ? ab + c : ab - c;
        char op = plus ? '+' : '-';
        return new Problem($"{a}+{b}{op}{c}", $"{a}+{b}={ab}, {ab}{op}{c}={result}. Answer: {result}", result);
    }

    public static List<Problem> Make(int count, ulong seed, ISet<string>? exclude = null)
    {
        var rng = new SplitMix64(seed);
        var list = new List<Problem>(count);
        while (list.Count < count)
        {
            var p = Make(ref rng);
            if (exclude == null || !exclude.Contains(p.Question)) list.Add(p);
        }
        return list;
    }

    /// <summary>The integer after "Answer:" in a generated solution, if any.</summary>
    public static int? ParseAnswer(string text)
    {
        var m = AnswerPattern().Match(text);
        return m.Success && int.TryParse(m.Groups[1].Value, out int v) ? v : null;
    }

    [GeneratedRegex(@"Answer:\s*(-?\d+)")]
    private static partial Regex AnswerPattern();
}
