using System.CommandLine;
using Realm.Training;

namespace Realm.Cli;

/// <summary>
/// The options <c>realm sft</c> and <c>realm rl</c> share: the model (and adapters) to train, the dataset,
/// the output, LoRA, the optimiser, the held-out check and the seed. Defaults that differ between the two
/// commands (steps, learning rates, checkpoint interval) are given by each.
/// </summary>
internal sealed class FineTuneOptions
{
    public readonly CommonOptions Common = new();
    public readonly Option<string> Model = new("--model")
    {
        Description = "Model directory (config.json, model.safetensors or shards, tokenizer.json; a chat_template in tokenizer_config.json is used).",
        Required = true,
    };
    public readonly Option<string?> Adapter = new("--adapter")
    {
        Description = "Continue training this LoRA adapter of --model (e.g. realm sft's output): same rank and targets; OUT gets the trained adapter.",
    };
    public readonly Option<string> Data = new("--data")
    {
        Description = "Problems as JSONL (the dataset schema): trains on split \"train\", measures held-out accuracy on --eval-split.",
        Required = true,
    };
    public readonly Option<string> Out = new("--out")
    {
        Description = "Output directory: the trained model (or PEFT adapter), metrics.jsonl, and checkpoint/ (re-run the same command to resume).",
        Required = true,
    };
    public readonly LoraFlags Lora = new(
        "Train LoRA adapters of this rank instead of all the model's weights (0: full fine-tuning). OUT then holds a PEFT adapter for --model.",
        "all-linear");
    public readonly Option<int> Steps;
    public readonly Option<float?> LearningRate;
    public readonly Option<int> Warmup = new("--warmup") { Description = "Linear learning-rate warm-up steps.", DefaultValueFactory = _ => 10 };
    public readonly Option<float> WeightDecay = new("--weight-decay") { Description = "AdamW decoupled weight decay (matrices only).", DefaultValueFactory = _ => 0f };
    public readonly Option<int> MaxTokensPerPass = new("--max-tokens-per-pass")
    {
        Description = "Tokens per forward/backward pass; a larger batch is accumulated over several passes. Bounds activation memory (about 2 GB per 1,024 tokens on a 0.5B model).",
        DefaultValueFactory = _ => 2048,
    };
    public readonly Option<int> CheckpointEvery;
    public readonly Option<int> MaxRoutes = new("--max-routes") { Description = "Kmax: the most routes a prompt shows.", DefaultValueFactory = _ => 3 };
    public readonly Option<int> MaxNewTokens;
    public readonly Option<string?> EvalSplit = new("--eval-split")
    {
        Description = "Split of held-out problems whose accuracy (greedy, no routes) is measured about eight times a run; none there: no check. "
            + "Default: dev when the file has it (tuning never looks at the tests), else id.",
    };
    public readonly Option<int> EvalProblems = new("--eval-problems") { Description = "Held-out problems checked each time (0: no check).", DefaultValueFactory = _ => 32 };
    public readonly Option<ulong> Seed = new("--seed") { Description = "Seed for adapters, data order, route draws and sampling.", DefaultValueFactory = _ => 1UL };
    public readonly Option<string?> Weights = WeightsOption.ForTraining();
    public readonly Option<bool> SkipBad = new("--skip-bad-lines")
    {
        Description = "Leave out (and report) malformed lines and problems that cannot be used, instead of stopping.",
    };

    private readonly float _loraLearningRate, _fullLearningRate;

    public FineTuneOptions(int steps, float loraLearningRate, float fullLearningRate, int checkpointEvery, int maxNewTokens)
    {
        _loraLearningRate = loraLearningRate;
        _fullLearningRate = fullLearningRate;
        Steps = new Option<int>("--steps") { Description = "Optimiser updates.", DefaultValueFactory = _ => steps };
        LearningRate = new Option<float?>("--lr")
        {
            Description = $"Peak learning rate (default: {loraLearningRate:G} with LoRA, {fullLearningRate:G} for full fine-tuning).",
        };
        CheckpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Steps between checkpoints (also at the end); a killed run resumes from the last one.",
            DefaultValueFactory = _ => checkpointEvery,
        };
        MaxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer generated.", DefaultValueFactory = _ => maxNewTokens };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Adapter, Data, Out, Steps, LearningRate, Warmup, WeightDecay, MaxTokensPerPass, CheckpointEvery,
                     MaxRoutes, MaxNewTokens, EvalSplit, EvalProblems, Seed, SkipBad, Weights })
            command.Add(option);
        Lora.AddTo(command);
        Common.AddTo(command);
    }

    /// <summary>Steps, checkpoint interval and the other counts, checked; each message names its flag.</summary>
    public void Validate(ParseResult result)
    {
        void AtLeast(Option<int> option, int min)
        {
            if (result.GetValue(option) < min) throw new RealmException($"{option.Name} must be at least {min}, got {result.GetValue(option)}");
        }
        WeightsOption.RefuseTraining(result, Weights);
        AtLeast(Steps, 1);
        AtLeast(Warmup, 0);
        AtLeast(MaxTokensPerPass, 1);
        AtLeast(CheckpointEvery, 1);
        AtLeast(MaxRoutes, 1);
        AtLeast(MaxNewTokens, 1);
        AtLeast(EvalProblems, 0);
        if (result.GetValue(LearningRate) is float lr && !(lr > 0)) throw new RealmException($"--lr must be positive, got {lr}");
    }

    /// <summary>AdamW at the given or default peak rate, with warm-up then <paramref name="decay"/>.</summary>
    public OptimizerConfig Optimizer(ParseResult result, bool lora, DecayShape decay) => new()
    {
        LearningRate = result.GetValue(LearningRate) ?? (lora ? _loraLearningRate : _fullLearningRate),
        WarmupSteps = result.GetValue(Warmup), Decay = decay,
        AdamW = new AdamWOptions { WeightDecay = result.GetValue(WeightDecay) },
    };
}
