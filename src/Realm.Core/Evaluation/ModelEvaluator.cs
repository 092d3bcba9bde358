using Realm.Data;
using Realm.Domains;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Method;

namespace Realm.Evaluation;

/// <summary>How a model is evaluated (spec §1.6). Defaults: greedy, Kmax mixed routes, no sampling metrics.</summary>
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
    int RoutesShown, int RoutesJudgedRight, bool EverVerified, double? PassAtK, double? MajAtK, int K)
{
    public double AccuracyWithRoutes => Problems == 0 ? 0 : (double)CorrectWithRoutes / Problems;
    public double AccuracyWithoutRoutes => Problems == 0 ? 0 : (double)CorrectWithoutRoutes / Problems;
    /// <summary>Share of shown routes the model called correctly (correct vs wrong); null if it never wrote a verify block.</summary>
    public double? VerificationAccuracy => EverVerified && RoutesShown > 0 ? (double)RoutesJudgedRight / RoutesShown : null;
}

/// <summary>Runs a model over a split's problems with and without routes, in its prompt format, and scores what it writes.</summary>
public static class ModelEvaluator
{
    public static SplitScore Evaluate(LlamaModel model, PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems,
        string split, EvaluationOptions options, Action<int, int>? progress = null)
    {
        var withRoutes = problems.Select(p => MrpvPrompts.ForEvaluation(p, options.Routes, options.RouteSeed)).ToList();
        var plain = problems.Select(MrpvPrompts.Plain).ToList();
        int total = 2 * problems.Count + (options.SampleK > 0 ? problems.Count : 0), done = 0;
        void Tick(int n) { done += n; progress?.Invoke(done, total); }

        var greedy = new SamplingOptions { Greedy = true, MaxNewTokens = options.MaxNewTokens, StopTokens = format.StopIds };
        var routedOut = Generate(model, format, withRoutes, greedy, options.BatchSize, 1, Tick);
        var plainOut = Generate(model, format, plain, greedy, options.BatchSize, 1, Tick);

        int correctRoutes = 0, correctPlain = 0, shown = 0, judgedRight = 0;
        bool everVerified = false;
        for (int i = 0; i < problems.Count; i++)
        {
            var routed = MrpvOutput.Parse(routedOut[i][0]);
            if (routed.Answer != null && domain.Verify(problems[i], routed.Answer)) correctRoutes++;
            everVerified |= routed.HasVerifyBlock;
            foreach (var route in withRoutes[i].Routes)
            {
                shown++;
                if (MrpvReward.VerdictRight(route, routed.Verdicts.TryGetValue(route.Label, out var v) ? v : null)) judgedRight++;
            }
            var own = MrpvOutput.Parse(plainOut[i][0]);
            if (own.Answer != null && domain.Verify(problems[i], own.Answer)) correctPlain++;
        }

        double? passAtK = null, majAtK = null;
        if (options.SampleK > 0)
        {
            var sampling = new SamplingOptions
            {
                MaxNewTokens = options.MaxNewTokens, Temperature = options.SampleTemperature, Seed = options.SampleSeed,
                StopTokens = format.StopIds,
            };
            var samples = Generate(model, format, plain, sampling, options.BatchSize, options.SampleK, Tick);
            double pass = 0, maj = 0;
            for (int i = 0; i < problems.Count; i++)
            {
                var answers = samples[i].Select(t => MrpvOutput.Parse(t).Answer).ToList();
                int c = answers.Count(a => a != null && domain.Verify(problems[i], a));
                pass += SamplingMetrics.PassAtK(answers.Count, c, options.SampleK);
                var problem = problems[i];
                maj += SamplingMetrics.MajorityIsCorrect(answers, options.SampleK, a => domain.Verify(problem, a)) ? 1 : 0;
            }
            passAtK = pass / Math.Max(1, problems.Count);
            majAtK = maj / Math.Max(1, problems.Count);
        }
        return new SplitScore(split, problems.Count, correctRoutes, correctPlain, shown, judgedRight, everVerified, passAtK, majAtK, options.SampleK);
    }

    /// <summary>Greedy accuracy without routes: the quick held-out check logged during training.</summary>
    public static double AccuracyWithoutRoutes(LlamaModel model, PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems,
        int maxNewTokens)
    {
        if (problems.Count == 0) return 0;
        var greedy = new SamplingOptions { Greedy = true, MaxNewTokens = maxNewTokens, StopTokens = format.StopIds };
        var outputs = Generate(model, format, problems.Select(MrpvPrompts.Plain).ToList(), greedy, 64, 1, _ => { });
        int correct = 0;
        for (int i = 0; i < problems.Count; i++)
            if (MrpvOutput.Parse(outputs[i][0]).Answer is { } answer && domain.Verify(problems[i], answer)) correct++;
        return (double)correct / problems.Count;
    }

    /// <summary>Completions (text, EOS removed) for each prompt, <paramref name="perPrompt"/> each, in batches.</summary>
    private static List<string>[] Generate(LlamaModel model, PromptFormat format, IReadOnlyList<MrpvPrompt> prompts,
        SamplingOptions sampling, int batchSize, int perPrompt, Action<int> tick)
    {
        var ids = prompts.Select(format.EncodePrompt).ToList();
        int longest = ids.Count == 0 ? 1 : ids.Max(p => p.Length);
        using var generator = new Generator(model, Math.Max(1, batchSize), longest + sampling.MaxNewTokens);
        var results = new List<string>[prompts.Count];
        var inputs = ids.SelectMany(p => Enumerable.Repeat(p, perPrompt)).ToList();
        var completions = new List<Completion>(inputs.Count);
        for (int at = 0; at < inputs.Count; at += batchSize)
        {
            var chunk = inputs.Skip(at).Take(batchSize).ToList();
            completions.AddRange(generator.Generate(chunk, sampling with { Seed = sampling.Seed + (ulong)at }));
            tick(chunk.Count / perPrompt);
        }
        for (int i = 0; i < prompts.Count; i++)
            results[i] = Enumerable.Range(0, perPrompt)
                .Select(k => format.DecodeCompletion(completions[i * perPrompt + k].Tokens)).ToList();
        return results;
    }
}
