using System.CommandLine;
using Realm.Method;
using Realm.Method.FineTuning;
using Realm.Method.Pipelines;
using Realm.Method.Rewards;
using Realm.Training;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm rl</c>: ReaLM's RL stage on a user's dataset — GRPO on MRPV prompts whose routes fade with
/// EAAI, rewarded for the answer, the verdict on each route and the format (docs/method.md, MRPV and EAAI) — or plain
/// GRPO as the baseline.
/// </summary>
internal static class RlCommand
{
    public static Command Create()
    {
        var d = new GrpoConfig();
        var defaults = new EaaiSchedule();
        var reward = RewardPlugins.Mrpv().ToDictionary(w => w.Name, w => w.Weight);
        var options = new FineTuneOptions(steps: 100, loraLearningRate: 5e-5f, fullLearningRate: 1e-6f, checkpointEvery: 10, maxNewTokens: 256);
        Option<T> Opt<T>(string name, T value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var method = Opt("--method", "realm-r1",
            "realm-r1: MRPV + EAAI on a model distilled with realm sft (ReaLM-R1's RL stage); realm-zero: the same RL straight from a model "
            + "that was not distilled (ReaLM-Zero); grpo: the plain GRPO baseline (question only, answer reward).");
        var prompts = Opt("--prompts", 4, "Distinct problems per step; each is answered --generations times.");
        var generations = Opt("--generations", d.Generations, "G: answers sampled per prompt; advantages compare them within the group.");
        var temperature = Opt("--temperature", d.Temperature, "Sampling temperature of the answers.");
        var topP = Opt("--top-p", d.TopP, "Nucleus sampling threshold of the answers (1: off).");
        var epsilon = Opt("--epsilon", d.Epsilon, "PPO ratio clip ε.");
        var epsilonHigh = new Option<double?>("--epsilon-high") { Description = "Upper clip ε_high (DAPO's clip-higher; default: --epsilon)." };
        var beta = Opt("--beta", d.Beta, "β of the k3 KL penalty to the starting policy (with LoRA: the base model without adapters); 0 keeps no reference.");
        var iterations = Opt("--iterations", d.Iterations, "μ: optimiser updates per batch of answers.");
        var noScale = new Option<bool>("--no-scale-rewards") { Description = "Advantage r − mean instead of (r − mean)/(std + 1e-4) (Dr. GRPO)." };
        var dynamic = new Option<bool>("--dynamic-sampling")
        {
            Description = "Replace groups whose rewards are all equal by fresh problems (DAPO), up to twice a step; on by default, `--dynamic-sampling false` turns it off.",
            DefaultValueFactory = _ => true,
        };
        var schedule = Opt("--eaai-schedule", "linear", "EAAI fade of α from 1 to 0: linear, cosine, exponential or step.");
        var end = Opt("--eaai-end", defaults.End, "RL progress s at which α reaches 0; after it every prompt is route-free.");
        var truncate = new Option<bool>("--truncate-routes") { Description = "Also show only the first ⌈α·steps⌉ steps of each route, so the hint itself shrinks." };
        var verification = Opt("--verification-weight", reward["verification"], "Reward weight of the route verdicts (answer weight 1).");
        var format = Opt("--format-weight", reward["format"], "Reward weight of the answer format.");
        var command = new Command("rl",
            "ReaLM RL on your dataset: GRPO on MRPV prompts (the question plus routes to verify, fading with EAAI), or plain GRPO; "
            + "optionally into LoRA adapters. Re-run the same command to resume.")
        {
            method, prompts, generations, temperature, topP, epsilon, epsilonHigh, beta, iterations, noScale, dynamic, schedule, end, truncate,
            verification, format,
        };
        options.AddTo(command);
        command.SetAction(result =>
        {
            var record = Methods.ForRl(result.GetValue(method)!);
            bool mrpv = record.Routes != RouteSchedule.None;
            if (mrpv)
                record = record with { Rewards = [new("answer", 1.0), new("verification", result.GetValue(verification)), new("format", result.GetValue(format))] };
            var eaai = new EaaiSchedule
            {
                Shape = EaaiSchedule.ParseShape(result.GetValue(schedule)!), End = result.GetValue(end), TruncateRoutes = result.GetValue(truncate),
            };
            if (!(eaai.End > 0 && eaai.End <= 1)) throw new RealmException($"--eaai-end must be in (0, 1], got {eaai.End}");
            int maxRoutes = result.GetValue(options.MaxRoutes), maxNew = result.GetValue(options.MaxNewTokens);
            using var session = FineTuneSession.Open(options, result, needsSolutions: false);
            var data = session.Data;
            if (mrpv && !data.Train.Any(p => p.Routes.Count > 0))
                throw new RealmException($"{data.Path}: no training problem has routes, and MRPV shows routes to verify " +
                    "(get them from a teacher with realm teacher collect), or use --method grpo");
            ContextFit.CheckRlPrompts(data, session.Format, mrpv ? maxRoutes : 0, maxNew, session.Model.Config.MaxPositionEmbeddings);
            session.Describe($"{record.Name} RL", mrpv
                ? $"{data.Train.Count(p => p.Routes.Count > 0):N0} with routes to show, Kmax {maxRoutes}, EAAI {eaai.Shape.ToString().ToLowerInvariant()} to α = 0 at s = {eaai.End:G3}"
                : "questions only, answer reward");

            var config = new GrpoConfig
            {
                Steps = result.GetValue(options.Steps), PromptsPerStep = result.GetValue(prompts), Generations = result.GetValue(generations),
                MaxNewTokens = maxNew, Temperature = result.GetValue(temperature), TopP = result.GetValue(topP),
                ScaleRewards = !result.GetValue(noScale), Epsilon = result.GetValue(epsilon), EpsilonHigh = result.GetValue(epsilonHigh),
                Iterations = result.GetValue(iterations), Beta = result.GetValue(beta), DynamicSampling = result.GetValue(dynamic),
                MaxTokensPerPass = result.GetValue(options.MaxTokensPerPass),
                Optimizer = options.Optimizer(result, session.Adapters != null, DecayShape.Constant),
                CheckpointEvery = result.GetValue(options.CheckpointEvery), Seed = result.GetValue(options.Seed), Rewards = record.Rewards,
            };
            config.Validate();
            var cancel = CommandRunner.CtrlC();
            ExperimentProgressView.Run(observer =>
            {
                var ctx = session.Context(result, options, observer, cancel);
                using var _ = ctx.Metrics;
                TrainingRuns.Grpo(ctx, record.Name, session.Model, record.PromptPolicy(eaai, maxRoutes), config, session.CheckpointDirectory);
                return 0;
            });
            session.SaveOutput();
            return 0;
        });
        return command;
    }
}
