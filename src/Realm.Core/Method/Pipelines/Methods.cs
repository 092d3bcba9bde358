using Realm.Training;
using Realm.Evaluation;

namespace Realm.Method.Pipelines;

/// <summary>
/// The table of methods a comparison run knows (docs/method.md, "Pipelines and baselines"): the base model
/// as the reference row, the baselines, ReaLM-Zero and ReaLM-R1, and the ablations of ReaLM-R1. Changing
/// a method's rewards, routes or start is one edit here.
/// </summary>
public static class Methods
{
    /// <summary>The stage name of the shared guided-distillation checkpoint most methods start from.</summary>
    public const string DistilledCheckpoint = "Distilled";

    private static readonly RewardWeight[] Mrpv = [new("answer", 1.0), new("verification", 0.5), new("format", 0.1)];

    /// <summary>The base model: evaluated as a reference row, never a baseline.</summary>
    public static MethodRecord Base { get; } = new()
    {
        Name = "Base", Role = MethodRole.Reference, Recipe = Recipe.Pretrain, StartsFrom = StartCheckpoint.Scratch, SeedOffset = 1,
    };

    /// <summary>Every method after the shared stages, in table order: baselines, ReaLM, then the ablations.</summary>
    public static IReadOnlyList<MethodRecord> All(ExperimentConfig c)
    {
        MethodRecord FromDistilled(string name, MethodRole role, Recipe recipe, ulong seedOffset) => new()
        {
            Name = name, Role = role, Recipe = recipe, StartsFrom = StartCheckpoint.Distilled, SeedOffset = seedOffset,
        };
        var r1 = FromDistilled("ReaLM-R1", MethodRole.Realm, Recipe.Rl, 61) with { Rewards = Mrpv, Routes = RouteSchedule.Eaai, Rounds = c.R1Iterations };
        var ablation = r1 with { Role = MethodRole.Ablation, Rounds = 1 };
        return
        [
            FromDistilled("SFT", MethodRole.Baseline, Recipe.Distillation, 11),
            FromDistilled("RFT", MethodRole.Baseline, Recipe.RejectionSampling, 21),
            FromDistilled("CoT-Synthesizer", MethodRole.Baseline, Recipe.RouteSynthesis, 31) with { Routes = RouteSchedule.AlwaysOn },
            FromDistilled("GRPO", MethodRole.Baseline, Recipe.Rl, 41) with { Rewards = [new("answer", 1.0)] },
            FromDistilled("LLMs-as-Instructor", MethodRole.Baseline, Recipe.Instructor, 51),
            r1 with { Name = "ReaLM-Zero", StartsFrom = StartCheckpoint.Base, Rounds = 1 },
            r1,
            ablation with { Name = "ReaLM-R1 w/o verification reward", Rewards = [Mrpv[0], Mrpv[2]] },
            ablation with { Name = "ReaLM-R1 w/o EAAI (routes always on)", Routes = RouteSchedule.AlwaysOn },
            ablation with { Name = "ReaLM-R1 w/o EAAI (routes cut at once)", Routes = RouteSchedule.CutAtOnce },
            ablation with { Name = "ReaLM-R1 w/o negative routes", NegativeRoutes = false },
        ];
    }

    /// <summary>
    /// The methods a run trains: those named in <see cref="ExperimentConfig.OnlyMethods"/> (case-insensitive,
    /// in table order), else all but the ablations unless <see cref="ExperimentConfig.Ablations"/>. An unknown
    /// name is refused with one line listing the valid ones, before any work starts.
    /// </summary>
    public static IReadOnlyList<MethodRecord> Selected(ExperimentConfig c)
    {
        var all = All(c);
        if (c.OnlyMethods.Count == 0) return all.Where(m => c.Ablations || m.Role != MethodRole.Ablation).ToList();
        bool Named(MethodRecord m, string name) => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase);
        // Base always runs (every method needs it), so naming it is allowed and changes nothing.
        var valid = all.Prepend(Base).ToList();
        var unknown = c.OnlyMethods.Where(n => !valid.Any(m => Named(m, n))).ToList();
        if (unknown.Count > 0)
            throw new RealmException($"unknown method{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => $"'{n}'"))}; " +
                $"valid: {string.Join(", ", valid.Select(m => m.Name))}");
        return all.Where(m => c.OnlyMethods.Any(n => Named(m, n))).ToList();
    }

    /// <summary>
    /// The RL method <c>realm rl --method</c> names (realm-r1, realm-zero or grpo, any case), in one round:
    /// its prompts, rewards and route schedule are the comparison's.
    /// </summary>
    public static MethodRecord ForRl(string name)
    {
        var rl = All(new ExperimentConfig()).Where(m => m.Recipe == Recipe.Rl && m.Role != MethodRole.Ablation).ToList();
        var record = rl.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new RealmException($"--method must be {string.Join(", ", rl.Select(m => m.Name.ToLowerInvariant()))}, got '{name}'");
        return record with { Rounds = 1 };
    }
}
