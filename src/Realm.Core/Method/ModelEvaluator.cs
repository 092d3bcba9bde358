// Evaluation of a model as the method defines it (docs/method.md, "Evaluation"): greedy answers with and
// without routes, verification accuracy, and sampled pass@k / maj@k, all through the one rollout path.
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Evaluation;

namespace Realm.Method;

/// <summary>How a model is evaluated (docs/method.md, "Evaluation"). Defaults: greedy, Kmax mixed routes, no sampling metrics.</summary>
public sealed record EvaluationOptions
{
    public int MaxNewTokens { get; init; } = 256;
    public RouteOptions Routes { get; init; } = new();
    /// <summary>Seed of the fixed route draw for "with routes" prompts (the same for every method).</summary>
    public ulong RouteSeed { get; init; } = 7;
    /// <summary>k for pass@k and maj@k (sampled, without routes); 0 skips them.</summary>
    public int SampleK { get; init; }
    public float SampleTemperature { get; init; } = 1f;
    public ulong SampleSeed { get; init; } = 11;
    public int BatchSize { get; init; } = 64;
}

/// <summary>Counts for one model on one split; rates and intervals are derived from them.</summary>
public sealed record SplitScore(string Split, int Problems, int CorrectWithRoutes, int CorrectWithoutRoutes,
    int RoutesShown, int RoutesJudgedRight, int WrongRoutesShown, int FirstErrorsNamed, bool EverVerified,
    double? PassAtK, double? MajAtK, int K)
{
    public double AccuracyWithRoutes => Problems == 0 ? 0 : (double)CorrectWithRoutes / Problems;
    public double AccuracyWithoutRoutes => Problems == 0 ? 0 : (double)CorrectWithoutRoutes / Problems;
    /// <summary>Share of shown routes the model called correctly (correct vs wrong); null if it never wrote a verify block.</summary>
    public double? VerificationAccuracy => EverVerified && RoutesShown > 0 ? (double)RoutesJudgedRight / RoutesShown : null;
    /// <summary>
    /// Share of shown wrong routes with a known first error that the model called wrong at exactly that
    /// step (<see cref="Realm.Data.FirstWrongStep"/>); null if it never wrote a verify block or saw no such route.
    /// </summary>
    public double? FirstErrorAccuracy => EverVerified && WrongRoutesShown > 0 ? (double)FirstErrorsNamed / WrongRoutesShown : null;

    /// <summary>The results-file row of these counts for <paramref name="method"/>, with pass@k and maj@k when they were measured.</summary>
    public MethodResult ToResult(string method) =>
        MethodResult.FromCounts(method, Split, Problems, CorrectWithRoutes, CorrectWithoutRoutes, VerificationAccuracy) with
        {
            FirstErrorAcc = FirstErrorAccuracy,
            PassAtK = PassAtK is double p ? new Dictionary<int, double> { [K] = p } : null,
            MajAtK = MajAtK is double m ? new Dictionary<int, double> { [K] = m } : null,
        };
}

/// <summary>Runs a model over a split's problems with and without routes, in its prompt format, and scores what it writes.</summary>
public static class ModelEvaluator
{
    public static SplitScore Evaluate(LlamaModel model, PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems,
        string split, EvaluationOptions options, Action<int, int>? progress = null)
    {
        var withRoutes = problems.Select(p => new ProblemPrompt(domain, p, MrpvPrompts.ForEvaluation(p, options.Routes, options.RouteSeed))).ToList();
        var plain = problems.Select(p => new ProblemPrompt(domain, p, MrpvPrompts.Plain(p))).ToList();
        int total = 2 * problems.Count + (options.SampleK > 0 ? problems.Count : 0), done = 0;
        void Tick(int n) { done += n; progress?.Invoke(done, total); }

        using var rollouts = new StudentRollouts(model, format);
        var greedy = new SamplingOptions { Greedy = true, MaxNewTokens = options.MaxNewTokens };
        var routed = rollouts.RunInChunks(withRoutes, 1, greedy, options.BatchSize, Tick);
        var own = rollouts.RunInChunks(plain, 1, greedy, options.BatchSize, Tick);

        int shown = 0, judgedRight = 0, wrongShown = 0, stepsNamed = 0;
        foreach (var answer in routed)
        {
            var t = RouteVerdicts.Tally(answer.Prompt.Prompt, answer.Output);
            (shown, judgedRight, wrongShown, stepsNamed) = (shown + t.Shown, judgedRight + t.JudgedRight, wrongShown + t.WrongShown, stepsNamed + t.FirstErrorsNamed);
        }

        double? passAtK = null, majAtK = null;
        if (options.SampleK > 0)
        {
            var sampling = new SamplingOptions { MaxNewTokens = options.MaxNewTokens, Temperature = options.SampleTemperature, Seed = options.SampleSeed };
            var samples = rollouts.RunInChunks(plain, options.SampleK, sampling, options.BatchSize, Tick);
            double pass = 0, maj = 0;
            for (int i = 0; i < problems.Count; i++)
            {
                var mine = samples.Skip(i * options.SampleK).Take(options.SampleK).ToList();
                var problem = problems[i];
                pass += SamplingMetrics.PassAtK(mine.Count, mine.Count(a => a.Correct), options.SampleK);
                maj += SamplingMetrics.MajorityIsCorrect(mine.Select(a => a.Output.Answer).ToList(), options.SampleK, a => domain.Verify(problem, a)) ? 1 : 0;
            }
            passAtK = pass / Math.Max(1, problems.Count);
            majAtK = maj / Math.Max(1, problems.Count);
        }
        return new SplitScore(split, problems.Count, routed.Count(a => a.Correct), own.Count(a => a.Correct), shown, judgedRight,
            wrongShown, stepsNamed, routed.Any(a => a.Output.HasVerifyBlock), passAtK, majAtK, options.SampleK);
    }

    /// <summary>Greedy accuracy without routes: the quick held-out check logged during training.</summary>
    public static double AccuracyWithoutRoutes(LlamaModel model, PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems,
        int maxNewTokens)
    {
        if (problems.Count == 0) return 0;
        using var rollouts = new StudentRollouts(model, format);
        var greedy = new SamplingOptions { Greedy = true, MaxNewTokens = maxNewTokens };
        var answers = rollouts.RunInChunks(problems.Select(p => new ProblemPrompt(domain, p, MrpvPrompts.Plain(p))).ToList(), 1, greedy, 64);
        return (double)answers.Count(a => a.Correct) / problems.Count;
    }
}
