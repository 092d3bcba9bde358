using System.CommandLine;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Evaluation;
using Realm.Method;
using Realm.Method.FineTuning;
using Realm.Method.Pipelines;
using Realm.Training;

namespace Realm.Cli;

/// <summary>
/// What <c>realm sft</c> and <c>realm rl</c> train, read from their options: the model with its adapters
/// (<see cref="FineTuneModel"/>), the dataset, and the output directory. The training itself runs through the
/// experiment's stage runners (<see cref="TrainingRuns"/>), so progress, metrics.jsonl, the held-out check and
/// resuming are theirs.
/// </summary>
internal sealed class FineTuneSession : IDisposable
{
    public required Cpu Cpu { get; init; }
    public required FineTuneModel Trained { get; init; }
    public required FineTuneDataset Data { get; init; }
    public required string OutDirectory { get; init; }

    public LlamaModel Model => Trained.Model;
    public LoraAdapters? Adapters => Trained.Adapters;
    public PromptFormat Format => Trained.Format;
    public string ModelDirectory => Trained.Directory;
    public string CheckpointDirectory => Path.Combine(OutDirectory, "checkpoint");

    /// <summary>Loads everything the options name; every mistake is one <see cref="RealmException"/>.</summary>
    public static FineTuneSession Open(FineTuneOptions options, ParseResult result, bool needsSolutions)
    {
        options.Validate(result);
        string modelDir = result.GetRequiredValue(options.Model), output = result.GetRequiredValue(options.Out);
        string? adapterDir = result.GetValue(options.Adapter);
        static bool Same(string a, string b) => Path.GetFullPath(a).TrimEnd('/') == Path.GetFullPath(b).TrimEnd('/');
        if (Same(output, modelDir)) throw new RealmException($"--out {output}: must differ from --model (the model is not overwritten)");
        if (adapterDir != null && Same(output, adapterDir))
            throw new RealmException($"--out {output}: must differ from --adapter (the adapter is continued into a new directory, with its own checkpoint)");
        var lora = options.Lora.Read(result, modelDir);
        var data = FineTuneDataset.Read(result.GetRequiredValue(options.Data), result.GetValue(options.EvalSplit), needsSolutions,
            result.GetValue(options.SkipBad));
        var cpu = options.Common.CreateCpu(result);
        try
        {
            var trained = FineTuneModel.Open(modelDir, adapterDir, lora, result.GetValue(options.Seed), cpu);
            return new FineTuneSession { Cpu = cpu, Trained = trained, Data = data, OutDirectory = output };
        }
        catch
        {
            cpu.Dispose();
            throw;
        }
    }

    /// <summary>What trains on what (plain lines, never wrapped), the problems skipped, and whether the run resumes.</summary>
    public void Describe(string stage, string data)
    {
        foreach (var line in Data.Skipped) Console.WriteLine($"skipped {line}");
        string checker = Data.Domain is ExactAnswerDomain ? "answers match after normalising case, spaces and numbers" : "built-in domain";
        string heldOut = Data.Eval.Count > 0 ? $"{Data.Eval.Count:N0} held-out" : "no held-out problems";
        Console.WriteLine($"{stage} on {Data.Path}: {Data.Train.Count:N0} {Data.Domain.Name} problems, {data}; {heldOut} ({checker})");
        string trained = Adapters == null ? "all weights" : $"{Adapters.Layout.Total:N0} LoRA parameters (r {Adapters.Config.Rank}, {string.Join(",", Adapters.Config.Targets.Select(t => t.Name()))})";
        Console.WriteLine($"model {ModelDirectory}: {Model.ParameterCount:N0} parameters, chat format {Format.Template.Name}; training {trained}; {Cpu}");
        if (TrainingCheckpoint.Exists(CheckpointDirectory)) Console.WriteLine($"resuming from {CheckpointDirectory}");
    }

    /// <summary>The stage runners' context: the dataset's problems and held-out check, this format, OUT/metrics.jsonl. Dispose its Metrics.</summary>
    public TrainingContext Context(ParseResult result, FineTuneOptions options, IExperimentObserver observer, CancellationToken cancel) => new()
    {
        Domain = Data.Domain, Tokenizer = Format.Tokenizer, Format = Format,
        Train = Data.Train, HeldOut = Data.Eval, HeldOutProblems = result.GetValue(options.EvalProblems),
        MaxNewTokens = result.GetValue(options.MaxNewTokens),
        RunDirectory = OutDirectory,
        Metrics = MetricsLog.Resume(Path.Combine(OutDirectory, MetricsLog.DefaultFileName), long.MaxValue),
        Observer = observer, Cancel = cancel,
    };

    /// <summary>
    /// Writes the result into OUT: the adapter (PEFT files) and the tokenizer, or the whole model with the
    /// base's tokenizer and generation files. Each file is written atomically.
    /// </summary>
    public void SaveOutput()
    {
        Trained.Save(OutDirectory);
        string files = Adapters != null ? "adapter_config.json, adapter_model.safetensors" : "config.json, model.safetensors";
        Console.WriteLine($"saved {OutDirectory} ({files}, tokenizer files, {MetricsLog.DefaultFileName})");
        string model = Adapters != null ? $"{ModelDirectory} --adapter {OutDirectory}" : OutDirectory;
        Console.WriteLine($"evaluate it: realm eval --model {model} --data {Data.Path}");
    }

    public void Dispose()
    {
        Trained.Dispose();
        Cpu.Dispose();
    }
}
