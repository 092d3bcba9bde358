using Realm.Training;
using Realm.Evaluation;
using Realm.Engine.Model;

namespace Realm.Method.Pipelines;

/// <summary>The checkpoint a method starts from: none (random weights), the base model, or the shared distillation stage's model.</summary>
public enum StartCheckpoint { Scratch, Base, Distilled }

/// <summary>The code a method's stages run; the record's data (rewards, routes, rounds, seeds) parameterise it.</summary>
public enum Recipe
{
    /// <summary>SFT from random weights on the general domain (the base model).</summary>
    Pretrain,
    /// <summary>More guided distillation on the teacher's routes.</summary>
    Distillation,
    /// <summary>Sample G answers per question, fine-tune on the verified ones.</summary>
    RejectionSampling,
    /// <summary>SFT with Kmax mixed routes always in the prompt.</summary>
    RouteSynthesis,
    /// <summary>Diagnose the student's wrong answers, fine-tune on new problems aimed at those rules.</summary>
    Instructor,
    /// <summary>GRPO (with MRPV prompts when the record shows routes), optionally in rounds with SFT on its own verified answers between them.</summary>
    Rl,
}

/// <summary>When routes are shown while the method trains: never, fading by EAAI, always, or whole until EAAI's end and then never.</summary>
public enum RouteSchedule { None, Eaai, AlwaysOn, CutAtOnce }

/// <summary>
/// A method of the comparison as data (docs/method.md, "Pipelines and baselines"): its name, role, the
/// stages it runs, the checkpoint it starts from, its reward weights, its route schedule and its budget.
/// The pipeline, results.json's "methods", report.md and the margins table are all built from these
/// records (<see cref="Methods"/> holds the table); nothing reads a method's name to decide what it is.
/// </summary>
public sealed record MethodRecord
{
    public required string Name { get; init; }
    public required MethodRole Role { get; init; }
    public required Recipe Recipe { get; init; }
    public required StartCheckpoint StartsFrom { get; init; }
    /// <summary>Reward terms of RL stages; empty for supervised methods.</summary>
    public IReadOnlyList<RewardWeight> Rewards { get; init; } = [];
    public RouteSchedule Routes { get; init; } = RouteSchedule.None;
    /// <summary>Whether shown routes include wrong ones (the "w/o negative routes" ablation turns it off).</summary>
    public bool NegativeRoutes { get; init; } = true;
    /// <summary>RL rounds; between two, an SFT round on the model's own verified answers.</summary>
    public int Rounds { get; init; } = 1;
    /// <summary>The method's seeds are run seed + offset (+ stage): fixed per method, so adding a method changes no other's run.</summary>
    public required ulong SeedOffset { get; init; }

    /// <summary>The stages the method runs, in order, as results.json and report.md list them.</summary>
    public IReadOnlyList<string> Stages => Recipe switch
    {
        Recipe.Pretrain => ["sft on the general domain"],
        Recipe.Distillation => ["sft on the teacher's routes"],
        Recipe.RejectionSampling => ["sample G answers per question", "sft on the verified ones"],
        Recipe.RouteSynthesis => ["sft with Kmax routes shown"],
        Recipe.Instructor => ["diagnose wrong answers", "sft on targeted problems + original data"],
        Recipe.Rl => Enumerable.Range(0, Rounds).SelectMany(r => r == 0 ? ["grpo"] : new[] { "sft on own verified answers", "grpo" }).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(Recipe)),
    };

    /// <summary>The checkpoint's stage name (its directory under models/).</summary>
    public static string CheckpointName(StartCheckpoint start) => start switch
    {
        StartCheckpoint.Base => Methods.Base.Name,
        StartCheckpoint.Distilled => Methods.DistilledCheckpoint,
        _ => throw new ArgumentOutOfRangeException(nameof(start), "no checkpoint to load"),
    };

    /// <summary>The metrics label of one part of the method (an RL round, a sampling pass); null: the method itself.</summary>
    public string Label(string? part = null) => part == null ? Name : $"{Name} · {part}";

    /// <summary>Whether a metrics line with this label belongs to the method.</summary>
    public bool Owns(string label) => label == Name || label.StartsWith(Name + " · ", StringComparison.Ordinal);

    /// <summary>
    /// How RL prompts are built: the question alone without routes, else MRPV prompts of up to
    /// <paramref name="maxRoutes"/> routes on the record's schedule (<paramref name="eaai"/> for EAAI's fade).
    /// </summary>
    public IPromptPolicy PromptPolicy(EaaiSchedule eaai, int maxRoutes) => Schedule(eaai) is { } schedule
        ? new MrpvPromptPolicy(schedule, new RouteOptions { MaxRoutes = maxRoutes, IncludeNegatives = NegativeRoutes })
        : new PlainPromptPolicy();

    /// <summary>The record's route schedule as an EAAI schedule (<paramref name="eaai"/> is the run's fade); null when no routes are shown.</summary>
    public EaaiSchedule? Schedule(EaaiSchedule eaai) => Routes switch
    {
        RouteSchedule.None => null,
        RouteSchedule.Eaai => eaai,
        RouteSchedule.AlwaysOn => EaaiSchedule.AlwaysOn,
        RouteSchedule.CutAtOnce => EaaiSchedule.CutAtOnce(eaai.End),
        _ => throw new ArgumentOutOfRangeException(nameof(Routes)),
    };

    /// <summary>
    /// Optimiser updates of each stage that trains, in order (docs/method.md, "Equal budgets"): every method
    /// after its start checkpoint makes <see cref="ExperimentConfig.MethodSteps"/> updates of
    /// <see cref="ExperimentConfig.MethodBatch"/> sequences; RL in rounds splits them between its RL and SFT rounds.
    /// </summary>
    public IReadOnlyList<int> PlannedUpdates(ExperimentConfig c)
    {
        if (Recipe == Recipe.Pretrain) return [c.PretrainSteps];
        if (Recipe != Recipe.Rl || Rounds == 1) return [c.MethodSteps];
        // Each SFT round gets half an RL round's share; the RL rounds share the rest, the first ones one more when it does not divide.
        int sft = Math.Max(1, c.MethodSteps / (2 * Rounds)), rl = Math.Max(Rounds, c.MethodSteps - (Rounds - 1) * sft);
        return Enumerable.Range(0, Rounds).SelectMany(r =>
        {
            int steps = rl / Rounds + (r < rl % Rounds ? 1 : 0);
            return r == 0 ? [steps] : new[] { sft, steps };
        }).ToList();
    }

    /// <summary>Sequences and optimiser updates the configuration gives the method (tokens are measured, not planned).</summary>
    public MethodBudget PlannedBudget(ExperimentConfig c)
    {
        var updates = PlannedUpdates(c);
        int batch = Recipe == Recipe.Pretrain ? c.BatchSize : c.MethodBatch;
        return new MethodBudget { OptimizerUpdates = updates.Sum(), Sequences = (long)updates.Sum() * batch };
    }

    /// <summary>Trains the model (loaded from <see cref="StartsFrom"/>) in place, checkpointing under <paramref name="workDirectory"/>.</summary>
    public void Train(ExperimentContext ctx, LlamaModel model, string workDirectory)
    {
        switch (Recipe)
        {
            case Recipe.Distillation: SftMethod.Train(ctx, this, model, workDirectory); break;
            case Recipe.RejectionSampling: RftMethod.Train(ctx, this, model, workDirectory); break;
            case Recipe.RouteSynthesis: CotSynthesizerMethod.Train(ctx, this, model, workDirectory); break;
            case Recipe.Instructor: InstructorMethod.Train(ctx, this, model, workDirectory); break;
            case Recipe.Rl: RlMethod.Train(ctx, this, model, workDirectory); break;
            default: throw new InvalidOperationException($"method {Name}: recipe {Recipe} is a shared stage, not a method");
        }
    }

    /// <summary>The record as results.json writes it, with the budget the run measured.</summary>
    public MethodSummary Summary(MethodBudget measured) => new()
    {
        Name = Name, Role = Role, StartsFrom = StartsFrom.ToString().ToLowerInvariant(), Stages = Stages,
        Rewards = Rewards.ToDictionary(r => r.Name, r => r.Weight),
        Routes = Routes switch
        {
            RouteSchedule.None => "none", RouteSchedule.Eaai => "eaai", RouteSchedule.AlwaysOn => "always", RouteSchedule.CutAtOnce => "cut-at-once",
            _ => throw new ArgumentOutOfRangeException(nameof(Routes)),
        } + (Routes != RouteSchedule.None && !NegativeRoutes ? " (positives only)" : ""),
        Budget = measured,
    };
}
