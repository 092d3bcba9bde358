using System.Diagnostics;
using System.Text.Json;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.IO;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Evaluation;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// A whole comparison run (`realm demo`, `realm experiment`): data, base model, the shared guided
/// distillation (SFT) stage, every method under the same budget, evaluation with and without routes on
/// the in-distribution and out-of-distribution tests, then results.json, report.md, metrics.jsonl and
/// SVG charts in the run directory. Every stage leaves its output on disk, so re-running the same
/// command after a kill resumes where it stopped.
/// </summary>
public static class Experiment
{
    private const string CompleteMarker = "complete.json";

    /// <summary>
    /// The run's tokenizer: byte-level BPE learned from the run's own training text (general and domain
    /// problems with their routes and answers; never the test splits), numbers kept digit by digit, the
    /// MRPV markers as special tokens. With TokenizerVocab = 0, plain bytes plus the markers.
    /// </summary>
    public static ITokenizer Tokenizer(ExperimentConfig config, IEnumerable<Problem> trainingProblems)
    {
        if (config.TokenizerVocab == 0) return new ByteTokenizer(MrpvFormat.SpecialTokens);
        var options = new RouteOptions { MaxRoutes = config.MaxRoutes };
        var documents = trainingProblems.SelectMany(p =>
        {
            var prompt = MrpvPrompts.Render(p, p.Routes, 1.0);
            var expert = p.Routes.FirstOrDefault(r => r.Correct);
            return expert == null ? [prompt.Text] : new[] { prompt.Text + TrainingExamples.Completion(prompt, expert) };
        });
        return BpeTrainer.Train(documents, new BpeTrainerOptions
        {
            VocabSize = config.TokenizerVocab, ExtraSpecialTokens = MrpvFormat.SpecialTokens, MergeDigits = false,
        });
    }

    /// <summary>Creates (or, when resuming, reloads) the run's data and metrics log.</summary>
    public static ExperimentContext Prepare(ExperimentConfig config, string runDirectory, Cpu cpu, IExperimentObserver observer,
        CancellationToken cancel = default)
    {
        Methods.Selected(config); // an unknown method name fails here, before any data is made
        Directory.CreateDirectory(runDirectory);
        var domain = BuiltInDomains.Get(config.Domain);
        var general = BuiltInDomains.Get(config.GeneralDomain);
        string dataDir = Path.Combine(runDirectory, "data");
        List<Problem> Data(string name, IDomain d, int train, int dev, int test, ulong seed)
        {
            string path = Path.Combine(dataDir, name + ".jsonl");
            if (File.Exists(path)) return ProblemJsonl.Read(path).Problems.ToList();
            var problems = DatasetBuilder.Build(d, new DatasetOptions
            {
                Train = train, Dev = dev, Id = test, OodLength = test, OodCompose = test, Seed = seed,
                Positives = config.PositivesPerProblem, Negatives = config.NegativesPerProblem,
            }).ToList();
            ProblemJsonl.Write(path, problems);
            return problems;
        }
        var generalProblems = Data("general", general, config.GeneralProblems, 0, 0, config.Seed + 100);
        var vertical = Data(config.Domain, domain, config.TrainProblems, config.DevProblems, config.TestProblems, config.Seed + 200);
        string tokenizerDir = Path.Combine(runDirectory, "tokenizer");
        ITokenizer tokenizer;
        if (File.Exists(Path.Combine(tokenizerDir, TokenizerLoader.FileName))) tokenizer = TokenizerLoader.Load(tokenizerDir);
        else
        {
            tokenizer = Tokenizer(config, generalProblems.Concat(vertical.Where(p => p.Split == Splits.Train)));
            tokenizer.Save(tokenizerDir);
        }
        string metricsPath = Path.Combine(runDirectory, MetricsLog.DefaultFileName);
        List<Problem> Split(string split) => vertical.Where(p => p.Split == split).ToList();
        return new ExperimentContext
        {
            Config = config, Domain = domain, GeneralDomain = general, Tokenizer = tokenizer, Cpu = cpu,
            General = generalProblems,
            Train = Split(Splits.Train),
            HeldOut = Split(Splits.Dev), HeldOutProblems = config.QuickEvalProblems, MaxNewTokens = config.MaxNewTokens,
            Tests = EvalSplit.Tests.Select(s => (s, (IReadOnlyList<Problem>)Split(s))).ToList(),
            RunDirectory = runDirectory,
            Metrics = MetricsLog.Resume(metricsPath, long.MaxValue),
            Observer = observer, Cancel = cancel,
        };
    }

    /// <summary>Trains (or finds) the base model alone; returns its directory.</summary>
    public static string Pretrain(ExperimentContext ctx)
    {
        Stage(ctx, Methods.Base.Name, SharedSettings(ctx.Config), () => BaseModel.Pretrain(ctx));
        return ctx.ModelDirectory(Methods.Base.Name);
    }

    /// <summary>Runs every stage not yet complete, then writes the results; returns them.</summary>
    public static ResultsFile Run(ExperimentContext ctx)
    {
        var clock = Stopwatch.StartNew();
        var c = ctx.Config;
        var methods = Methods.Selected(c);
        string shared = SharedSettings(c);
        Stage(ctx, Methods.Base.Name, shared, () => BaseModel.Pretrain(ctx));
        Stage(ctx, Methods.DistilledCheckpoint, shared, () =>
        {
            var model = ctx.Load(Methods.Base.Name);
            TrainingRuns.Sft(ctx, "SFT (guided distillation)", model, DistillationData(ctx), c.Sft(c.SftSteps, c.Seed + 3, fromScratch: true),
                ctx.WorkDirectory("distill"));
            return model;
        });
        foreach (var method in methods)
            Stage(ctx, method.Name, MethodSettings(c, method), () =>
            {
                var model = ctx.Load(MethodRecord.CheckpointName(method.StartsFrom));
                method.Train(ctx, model, ctx.WorkDirectory(method.Name));
                return model;
            });

        // Base is evaluated as the reference row.
        var evaluated = methods.Prepend(Methods.Base).ToList();
        var rows = evaluated.SelectMany(m => Evaluate(ctx, m.Name)).ToList();
        var metrics = MetricsLog.Read(ctx.Metrics.Path);
        var results = new ResultsFile
        {
            Domain = c.Domain, WallSeconds = clock.Elapsed.TotalSeconds + StageSecondsBefore(ctx, clock), Rows = rows,
            Methods = evaluated.Select(m => m.Summary(TrainingRuns.Spent(metrics, m.Owns))).ToList(),
        };
        results.Write(Path.Combine(ctx.RunDirectory, ResultsFile.DefaultFileName));
        RunReport.Write(ctx, results, methods);
        return results;
    }

    /// <summary>
    /// The shared SFT stage's data: the teacher's verified routes for the domain's training questions
    /// (no rulebook, no routes in the prompt), plus <see cref="ExperimentConfig.GeneralReplay"/> of
    /// general-domain examples like the base model's.
    /// </summary>
    public static List<PromptCompletion> DistillationData(ExperimentContext ctx)
    {
        var domain = TrainingExamples.Distillation(ctx.Format, ctx.Train).ToList();
        int replay = (int)Math.Round(domain.Count * ctx.Config.GeneralReplay / (1 - ctx.Config.GeneralReplay));
        var general = BaseModel.Corpus(ctx.General, ctx.Format, ctx.Config.MaxRoutes, ctx.Config.Seed + 4);
        return [.. domain, .. general.Take(replay)];
    }

    /// <summary>The configuration a trained model depends on: all of it but the method selection and evaluation.</summary>
    private static string Settings(ExperimentConfig c) =>
        (c with { OnlyMethods = [], Ablations = false, PassK = 0, QuickEvalProblems = 0 }).ToString();

    /// <summary>What the shared stages (base model, distillation) depend on: the settings without those of the methods after them.</summary>
    private static string SharedSettings(ExperimentConfig c) =>
        Settings(c with { MethodSequences = 1, RlPromptsPerStep = 1, RlGenerations = 1, RlLearningRate = 0, Eaai = new(), R1Iterations = 0 });

    /// <summary>What a method's model depends on: the settings and its record (stages, rewards, routes, seeds, planned budget).</summary>
    private static string MethodSettings(ExperimentConfig c, MethodRecord method) =>
        $"{Settings(c)}\n{JsonSerializer.Serialize(method.Summary(method.PlannedBudget(c)))}\nseed+{method.SeedOffset}";

    /// <summary>
    /// Trains a stage unless its model is already complete on disk, then saves it with a completion marker
    /// that records the settings it was trained with. A complete stage made with other settings is refused,
    /// so a changed budget or method never reuses a model trained for the old one.
    /// </summary>
    private static void Stage(ExperimentContext ctx, string name, string settings, Func<LlamaModel> train)
    {
        string dir = ctx.ModelDirectory(name), marker = Path.Combine(dir, CompleteMarker);
        string fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(settings)));
        if (File.Exists(marker))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(marker));
            if (!doc.RootElement.TryGetProperty("settings", out var made) || made.GetString() != fingerprint)
                throw new RealmException($"{dir}: stage {name} was trained with other settings than this run's; " +
                    $"use another --out, or delete {ctx.RunDirectory} to start afresh");
            ctx.Observer.Log($"{name}: already trained ({dir})");
            return;
        }
        var clock = Stopwatch.StartNew();
        using var model = train();
        model.Save(dir);
        ctx.Tokenizer.Save(dir);
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new { stage = name, seconds = clock.Elapsed.TotalSeconds, settings = fingerprint }));
    }

    /// <summary>Seconds spent by stages that an earlier, interrupted invocation completed (so wall time covers the whole run).</summary>
    private static double StageSecondsBefore(ExperimentContext ctx, Stopwatch thisInvocation)
    {
        double seconds = 0;
        string models = Path.Combine(ctx.RunDirectory, "models");
        if (!Directory.Exists(models)) return 0;
        foreach (var marker in Directory.GetFiles(models, CompleteMarker, SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(marker));
            bool earlier = File.GetLastWriteTimeUtc(marker) < DateTime.UtcNow - thisInvocation.Elapsed;
            if (earlier && doc.RootElement.TryGetProperty("seconds", out var s)) seconds += s.GetDouble();
        }
        return seconds;
    }

    /// <summary>Evaluates a trained stage on every test split (cached in eval/, so a resumed run skips it).</summary>
    private static IEnumerable<MethodResult> Evaluate(ExperimentContext ctx, string stage)
    {
        string cache = Path.Combine(ctx.RunDirectory, "eval", ExperimentContext.Slug(stage) + ".json");
        if (File.Exists(cache)) return JsonSerializer.Deserialize<List<MethodResult>>(File.ReadAllText(cache))!;
        using var model = ctx.Load(stage);
        var options = new EvaluationOptions { MaxNewTokens = ctx.Config.MaxNewTokens, Routes = new RouteOptions { MaxRoutes = ctx.Config.MaxRoutes }, SampleK = ctx.Config.PassK };
        var rows = new List<MethodResult>();
        foreach (var (split, problems) in ctx.Tests)
        {
            ctx.Observer.StageStarted($"evaluate {stage} ({split})", 2 * problems.Count + (options.SampleK > 0 ? problems.Count : 0));
            var score = ModelEvaluator.Evaluate(model, ctx.Format, ctx.Domain, problems, split, options, (done, _) => ctx.Observer.StageProgress(done, ""));
            ctx.Observer.StageFinished($"with routes {score.AccuracyWithRoutes:P1}, without {score.AccuracyWithoutRoutes:P1}");
            rows.Add(score.ToResult(stage) with { Seed = (int)ctx.Config.Seed });
        }
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        AtomicFile.WriteAllText(cache, JsonSerializer.Serialize(rows));
        return rows;
    }
}
