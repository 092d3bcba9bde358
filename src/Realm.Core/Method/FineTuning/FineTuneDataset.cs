using Realm.Data;
using Realm.Domains;

namespace Realm.Method.FineTuning;

/// <summary>
/// A user's problem file made ready for fine-tuning (<c>realm sft</c>, <c>realm rl</c>): its domain (a
/// built-in one, or the user's own, whose answers <see cref="ExactAnswerDomain"/> checks), the problems
/// trained on (split "train") and the held-out ones. Every problem is checked as <c>realm data validate</c>
/// checks it, and, when the run learns from solutions, must have a route marked correct. A problem at fault
/// stops the run with "file:line: reason"; asked to skip bad lines, the run leaves it out and reports it.
/// </summary>
public sealed class FineTuneDataset
{
    public const string TrainSplit = "train";

    private readonly Dictionary<Problem, int> _lines = new(ReferenceEqualityComparer.Instance);

    public string Path { get; }
    public IDomain Domain { get; }
    public IReadOnlyList<Problem> Train { get; }
    /// <summary>The held-out problems (possibly none) whose accuracy is measured during training.</summary>
    public IReadOnlyList<Problem> Eval { get; }
    /// <summary>"file:line: reason" of each line or problem left out.</summary>
    public IReadOnlyList<string> Skipped { get; }

    private FineTuneDataset(string path, IDomain domain, List<Problem> train, List<Problem> eval, List<string> skipped)
    {
        Path = path;
        Domain = domain;
        Train = train;
        Eval = eval;
        Skipped = skipped;
    }

    /// <param name="evalSplit">The split of held-out problems; null: "dev" when the file has it, else "id".</param>
    /// <param name="needsSolutions">Whether every training problem must have a correct route (distillation learns from them).</param>
    public static FineTuneDataset Read(string path, string? evalSplit, bool needsSolutions, bool skipBadLines)
    {
        var file = ProblemJsonl.Read(path, skipBadLines);
        evalSplit ??= file.Problems.Any(p => p.Split == Splits.Dev) ? Splits.Dev : Splits.Id;
        var skipped = new List<string>(file.BadLines);
        var faults = new Dictionary<int, string>();
        foreach (var (line, message) in DatasetValidator.CheckProblems(file)) faults.TryAdd(line, message);
        for (int i = 0; i < file.Problems.Count; i++)
        {
            var problem = file.Problems[i];
            if (needsSolutions && problem.Split == TrainSplit && !problem.Routes.Any(r => r.Correct))
                faults.TryAdd(file.Lines[i], $"problem '{problem.Id}' has no route marked correct, and distillation learns from those " +
                    "(get routes from a teacher with realm teacher collect, or leave the problem out)");
        }
        if (faults.Count > 0 && !skipBadLines)
        {
            var (line, message) = faults.MinBy(f => f.Key);
            string more = faults.Count > 1 ? $" ({faults.Count} problems have faults; realm data validate lists them)" : "";
            throw new RealmException($"{path}:{line}: {message}{more}; --skip-bad-lines leaves such problems out");
        }
        skipped.AddRange(faults.OrderBy(f => f.Key).Select(f => $"{path}:{f.Key}: {f.Value}"));

        var train = new List<Problem>();
        var eval = new List<Problem>();
        var lines = new List<(Problem, int)>();
        for (int i = 0; i < file.Problems.Count; i++)
        {
            var problem = file.Problems[i];
            if (faults.ContainsKey(file.Lines[i])) continue;
            lines.Add((problem, file.Lines[i]));
            if (problem.Split == TrainSplit) train.Add(problem);
            else if (problem.Split == evalSplit) eval.Add(problem);
        }
        if (train.Count == 0)
        {
            var splits = file.Problems.Select(p => p.Split).Distinct().ToList();
            throw new RealmException($"{path}: no usable problems in split '{TrainSplit}' (the file has " +
                (splits.Count == 0 ? "no problems" : $"splits {string.Join(", ", splits)}") + "); training uses the problems whose \"split\" is \"train\"");
        }
        var dataset = new FineTuneDataset(path, BuiltInDomains.For([.. train, .. eval], path), train, eval, skipped);
        foreach (var (problem, line) in lines) dataset._lines[problem] = line;
        return dataset;
    }

    /// <summary>"file:line" of a problem, to prefix a message about it.</summary>
    public string Where(Problem problem) => $"{Path}:{_lines[problem]}";

    /// <summary>Every correct route of the training problems, with its problem, in file order.</summary>
    public IEnumerable<(Problem Problem, Route Solution)> Solutions() =>
        Train.SelectMany(p => p.Routes.Where(r => r.Correct).Select(r => (p, r)));
}
