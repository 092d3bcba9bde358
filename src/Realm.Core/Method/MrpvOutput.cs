using System.Text.RegularExpressions;
using Realm.Data;

namespace Realm.Method;

/// <summary>A verdict on one shown route: correct, or wrong (at a step, when the model says which).</summary>
public readonly record struct Verdict(bool SaysCorrect, int? WrongAtStep);

/// <summary>
/// What a model wrote in answer to an MRPV prompt, parsed leniently: anything malformed is recorded
/// (and scores 0 for the part it breaks), never thrown.
/// </summary>
public sealed partial record MrpvOutput(
    IReadOnlyDictionary<int, Verdict> Verdicts,
    bool HasVerifyBlock,
    bool VerifyBlockClosed,
    bool VerifyBlockWellFormed,
    string? Thinking,
    string? Answer)
{
    public static MrpvOutput Parse(string completion)
    {
        var verdicts = new Dictionary<int, Verdict>();
        bool hasVerify = false, verifyClosed = false, verifyOk = false;
        string rest = completion;

        int vOpen = completion.IndexOf(MrpvFormat.VerifyOpen, StringComparison.Ordinal);
        if (vOpen >= 0)
        {
            hasVerify = true;
            int vClose = completion.IndexOf(MrpvFormat.VerifyClose, vOpen, StringComparison.Ordinal);
            verifyClosed = vClose >= 0;
            // An unclosed block ends where the thinking starts, so the rest can still be read.
            int blockEnd = verifyClosed ? vClose : completion.IndexOf(MrpvFormat.ThinkOpen, vOpen, StringComparison.Ordinal);
            if (blockEnd < 0) blockEnd = completion.Length;
            string block = completion[(vOpen + MrpvFormat.VerifyOpen.Length)..blockEnd];
            verifyOk = verifyClosed && completion[..vOpen].Trim().Length == 0;
            foreach (var raw in block.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0) continue;
                var m = VerdictLine().Match(line);
                if (!m.Success) { verifyOk = false; continue; }
                int label = int.Parse(m.Groups[1].Value);
                Verdict v = m.Groups[2].Value == MrpvFormat.Correct ? new Verdict(true, null)
                    : new Verdict(false, m.Groups[3].Success && int.TryParse(m.Groups[3].Value, out int k) ? k : null);
                if (!verdicts.TryAdd(label, v)) verifyOk = false; // a route judged twice: keep the first
            }
            rest = verifyClosed ? completion[(vClose + MrpvFormat.VerifyClose.Length)..] : completion[blockEnd..];
        }

        string? thinking = null;
        int tOpen = rest.IndexOf(MrpvFormat.ThinkOpen, StringComparison.Ordinal);
        int tClose = tOpen < 0 ? -1 : rest.IndexOf(MrpvFormat.ThinkClose, tOpen, StringComparison.Ordinal);
        if (tOpen >= 0 && tClose >= 0) thinking = rest[(tOpen + MrpvFormat.ThinkOpen.Length)..tClose].Trim('\n');
        string afterThinking = tClose >= 0 ? rest[(tClose + MrpvFormat.ThinkClose.Length)..] : rest;
        return new MrpvOutput(verdicts, hasVerify, verifyClosed, verifyOk, thinking, RouteText.ExtractAnswer(afterThinking));
    }

    /// <summary>
    /// The expected shape: a well-formed verify block judging exactly routes 1..K when K routes were shown
    /// (none when K = 0), a non-empty think block, and an answer after it.
    /// </summary>
    public bool FormatOk(int shownRoutes)
    {
        bool verifyOk = shownRoutes == 0
            ? !HasVerifyBlock
            : HasVerifyBlock && VerifyBlockWellFormed && Verdicts.Count == shownRoutes
              && Enumerable.Range(1, shownRoutes).All(Verdicts.ContainsKey);
        return verifyOk && !string.IsNullOrWhiteSpace(Thinking) && Answer != null;
    }

    /// <summary>Renders a verdict line as the model is trained to write it.</summary>
    public static string FormatVerdict(int label, int? wrongAt, bool correct) =>
        correct ? $"Route {label}: {MrpvFormat.Correct}"
        : wrongAt is int k and > 0 ? $"Route {label}: {MrpvFormat.Wrong} at step {k}"
        : $"Route {label}: {MrpvFormat.Wrong}";

    [GeneratedRegex(@"^Route\s+(\d+)\s*:\s*(correct|wrong)(?:\s+at\s+step\s+(\d+))?\.?$")]
    private static partial Regex VerdictLine();
}
