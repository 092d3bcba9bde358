using System.CommandLine;
using Realm.Method;
using Realm.Method.FineTuning;
using Realm.Method.Pipelines;
using Realm.Training;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm sft</c>: guided distillation (docs/method.md) on a user's dataset — the question alone → a teacher's
/// verified route as the model's own reasoning, loss on the answer only — with a share of examples that
/// show routes to verify, so the MRPV answer format is known before <c>realm rl</c>.
/// </summary>
internal static class SftCommand
{
    public static Command Create()
    {
        var options = new FineTuneOptions(steps: 200, loraLearningRate: 2e-4f, fullLearningRate: 1e-5f, checkpointEvery: 50, maxNewTokens: 256);
        var batch = new Option<int>("--batch") { Description = "Examples per optimiser update (drawn with replacement, seeded).", DefaultValueFactory = _ => 8 };
        var routeShare = new Option<double>("--route-share")
        {
            Description = "Share of examples whose prompt also shows 1..Kmax of the problem's routes and whose answer starts with a verdict on each "
                + "(the verify block realm rl's MRPV rewards); 0: the question alone, as pure guided distillation.",
            DefaultValueFactory = _ => 0.25,
        };
        var command = new Command("sft",
            "Guided distillation on your dataset: SFT on the correct routes as the model's own reasoning (loss on the answer only), "
            + "optionally into LoRA adapters. Re-run the same command to resume.")
        {
            batch, routeShare,
        };
        options.AddTo(command);
        command.SetAction(result =>
        {
            if (result.GetValue(batch) < 1) throw new RealmException($"--batch must be at least 1, got {result.GetValue(batch)}");
            double share = result.GetValue(routeShare);
            if (!(share >= 0 && share <= 1)) throw new RealmException($"--route-share must be in [0, 1], got {share}");
            using var session = FineTuneSession.Open(options, result, needsSolutions: true);
            ulong seed = result.GetValue(options.Seed);
            var solutions = session.Data.Solutions().ToList();
            var examples = TrainingExamples.WithRoutes(session.Format, solutions, share, result.GetValue(options.MaxRoutes), seed);
            ContextFit.CheckExamples(session.Data, solutions.Select(s => s.Problem).ToList(), examples, session.Model.Config.MaxPositionEmbeddings);
            session.Describe("guided distillation", $"{examples.Count:N0} training examples ({solutions.Count:N0} correct routes, a share {share:G3} with routes to verify)");

            var config = new SftConfig
            {
                Steps = result.GetValue(options.Steps), BatchSize = result.GetValue(batch), MaxTokensPerPass = result.GetValue(options.MaxTokensPerPass),
                Optimizer = options.Optimizer(result, session.Adapters != null, DecayShape.Cosine),
                CheckpointEvery = result.GetValue(options.CheckpointEvery), Seed = seed,
            };
            var cancel = CommandRunner.CtrlC();
            ExperimentProgressView.Run(observer =>
            {
                var ctx = session.Context(result, options, observer, cancel);
                using var _ = ctx.Metrics;
                TrainingRuns.Sft(ctx, "SFT (guided distillation)", session.Model, examples, config, session.CheckpointDirectory);
                return 0;
            });
            session.SaveOutput();
            return 0;
        });
        return command;
    }
}
