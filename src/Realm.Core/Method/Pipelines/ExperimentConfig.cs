using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// The scale of a ReaLM comparison run: model, data, training budgets and evaluation. <see cref="Demo"/>
/// fits in minutes on a 2-core laptop; <see cref="Full"/> is the `realm experiment` budget. Every
/// method after the shared SFT stage gets the same budget: <see cref="MethodSteps"/> optimiser updates of
/// <see cref="MethodBatch"/> sequences each, about <see cref="MethodSequences"/> sequences in all.
/// </summary>
public sealed record ExperimentConfig
{
    public string Domain { get; init; } = "tariff";
    public string GeneralDomain { get; init; } = "arith";
    public ulong Seed { get; init; } = 1;

    // Model (trained from scratch) and tokenizer (byte-level BPE learned from the training text; 0 = plain bytes).
    public int TokenizerVocab { get; init; } = 512;
    public int Hidden { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int Ffn { get; init; } = 352;
    public int MaxPositions { get; init; } = 1024;

    // Data.
    public int GeneralProblems { get; init; } = 6000;
    public int TrainProblems { get; init; } = 2000;
    /// <summary>Problems in each test split (id, ood-length, ood-compose).</summary>
    public int TestProblems { get; init; } = 100;
    /// <summary>Problems in the dev split, the one all tuning and the training-time accuracy curve use.</summary>
    public int DevProblems { get; init; } = 100;
    public int PositivesPerProblem { get; init; } = 1;
    public int NegativesPerProblem { get; init; } = 3;

    // Budgets.
    public int PretrainSteps { get; init; } = 1000;
    public int SftSteps { get; init; } = 600;
    public int BatchSize { get; init; } = 32;
    /// <summary>Training sequences each method gets after its start checkpoint, rounded down to whole updates of <see cref="MethodBatch"/>.</summary>
    public int MethodSequences { get; init; } = 4096;
    public int RlPromptsPerStep { get; init; } = 8;
    public int RlGenerations { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 160;
    public float SftLearningRate { get; init; } = 2e-3f;
    public float RlLearningRate { get; init; } = 1e-4f;
    public int MaxTokensPerPass { get; init; } = 16384;

    /// <summary>
    /// Share of the distillation data that replays general-domain examples (plain and with routes), so the
    /// base model's general skills — verifying routes among them — survive fine-tuning on the domain.
    /// </summary>
    public double GeneralReplay { get; init; } = 0.25;

    // ReaLM.
    public int MaxRoutes { get; init; } = 3;
    public EaaiSchedule Eaai { get; init; } = new();
    /// <summary>ReaLM-R1 rounds: after each RL round the model's own verified CoTs join a new SFT round.</summary>
    public int R1Iterations { get; init; } = 1;

    /// <summary>Only these methods (by name, case-insensitive); empty runs all.</summary>
    public IReadOnlyList<string> OnlyMethods { get; init; } = [];

    // Evaluation.
    /// <summary>Dev problems checked (greedy, no routes) about eight times per training stage for the eval_acc curve; 0 disables.</summary>
    public int QuickEvalProblems { get; init; } = 32;
    public int PassK { get; init; }
    public bool Ablations { get; init; }

    /// <summary>
    /// Sequences per optimiser update of every method after its start checkpoint: one RL step's prompts × G,
    /// and the same batch for the supervised methods, so equal budgets are equal in sequences and in updates.
    /// </summary>
    public int MethodBatch => RlPromptsPerStep * RlGenerations;
    /// <summary>Optimiser updates of every method after its start checkpoint (one per RL step: μ = 1).</summary>
    public int MethodSteps => Math.Max(1, MethodSequences / MethodBatch);

    /// <summary>GRPO settings of an RL stage of <paramref name="steps"/> steps (one update each).</summary>
    public GrpoConfig Grpo(int steps, ulong seed) => new()
    {
        Steps = steps, PromptsPerStep = RlPromptsPerStep, Generations = RlGenerations, MaxNewTokens = MaxNewTokens,
        MaxTokensPerPass = MaxTokensPerPass, Seed = seed, CheckpointEvery = Math.Max(1, steps / 4),
        Optimizer = new OptimizerConfig { LearningRate = RlLearningRate, WarmupSteps = Math.Min(5, steps / 5), Decay = DecayShape.Constant, AdamW = new AdamWOptions { WeightDecay = 0 } },
    };

    /// <summary>
    /// SFT settings; <paramref name="fromScratch"/> false (a method continuing a trained checkpoint) uses the
    /// methods' batch (<see cref="MethodBatch"/>), a quarter of the rate and a warm-up, since fresh AdamW
    /// moments at full rate would undo what the checkpoint learned.
    /// </summary>
    public SftConfig Sft(int steps, ulong seed, bool fromScratch = true) => new()
    {
        Steps = steps, BatchSize = fromScratch ? BatchSize : MethodBatch, MaxTokensPerPass = MaxTokensPerPass, Seed = seed, CheckpointEvery = Math.Max(1, steps / 4),
        Optimizer = new OptimizerConfig
        {
            LearningRate = fromScratch ? SftLearningRate : SftLearningRate / 4,
            WarmupSteps = fromScratch ? Math.Min(20, steps / 10) : Math.Max(1, Math.Min(20, steps / 5)),
        },
    };

    /// <summary>Minutes on 2 cores.</summary>
    public static ExperimentConfig Demo => new();

    /// <summary>
    /// The `realm experiment` budget per seed (about 30 minutes on 2 cores): the demo's model trained on
    /// more data for longer, 6× the per-method budget, and larger test splits.
    /// </summary>
    public static ExperimentConfig Full => new()
    {
        GeneralProblems = 20000, TrainProblems = 6000, TestProblems = 300,
        PretrainSteps = 3000, SftSteps = 2000, MethodSequences = 24576, Ablations = true,
    };
}
