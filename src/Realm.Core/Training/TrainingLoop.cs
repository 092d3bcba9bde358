using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Training;

/// <summary>What a call to <see cref="TrainingLoop.Run"/> did: it trained steps [StartStep, EndStep).</summary>
public sealed record TrainingSummary(long StartStep, long EndStep, double? LastEvalLoss)
{
    public bool Resumed => StartStep > 0;
}

/// <summary>How a <see cref="TrainingLoop"/> runs: its length, optimiser, data seed and checkpoints.</summary>
public sealed record TrainingLoopOptions
{
    public required int Steps { get; init; }
    /// <summary>Optimiser updates per step (GRPO's μ); the learning-rate schedule spans Steps × UpdatesPerStep updates.</summary>
    public int UpdatesPerStep { get; init; } = 1;
    public required OptimizerConfig Optimizer { get; init; }
    /// <summary>Seeds the data-order generator (<see cref="TrainingLoop.Rng"/>) of a fresh run.</summary>
    public required ulong Seed { get; init; }
    /// <summary>Where checkpoints go; null: none are written and none resumed.</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Steps between checkpoints; the last step is always saved, and so is a cancelled run.</summary>
    public int CheckpointEvery { get; init; } = int.MaxValue;
    /// <summary>Writes the trainer's own files or directories (e.g. a frozen reference model) into a new checkpoint before it is swapped in.</summary>
    public Action<string>? SaveExtra { get; init; }
    /// <summary>Reads them back from the checkpoint directory when the run resumes, after the weights and moments.</summary>
    public Action<string>? LoadExtra { get; init; }
}

/// <summary>
/// The resumable loop every trainer (SFT, GRPO, language model) runs on. It owns the step count,
/// cancellation, the checkpoint cadence, the optimiser (<see cref="Updater"/>: gradients, AdamW moments,
/// learning-rate schedule) and the data-order generator (<see cref="Rng"/>); the trainer supplies one step:
/// fill <c>Updater.Gradients</c>, call <c>Updater.Apply</c> once or more, report. A checkpoint holds what is
/// trained (model or LoRA adapters), the moments, the generator's state, the step (the schedule position),
/// the trainer's counters and values and extra files, and every setting of the run (<see cref="RunSettings"/>
/// plus the model's config and hashes of its starting weights), so a resume with other settings is refused
/// naming each difference, and a resume with the same ones ends bit-identical to an uninterrupted run.
/// </summary>
public sealed class TrainingLoop : IDisposable
{
    private readonly LlamaModel _model;
    private readonly ITokenizer? _tokenizer;
    private readonly TrainingLoopOptions _options;
    private readonly SortedDictionary<string, string>? _settings;
    private readonly string _settingsHash = "";
    private SplitMix64 _rng;
    private long _lastSaved;
    private bool _ran;

    /// <summary>Clips, schedules and applies the accumulated gradients; its optimiser's moments are checkpointed.</summary>
    public ModelUpdater Updater { get; }
    /// <summary>The data-order generator, saved with checkpoints: draw every random choice of a step from it.</summary>
    public ref SplitMix64 Rng => ref _rng;
    /// <summary>Running totals (tokens, sequences, …), saved with checkpoints so a resumed run continues them.</summary>
    public Dictionary<string, long> Counters { get; }
    /// <summary>Latest values worth keeping across a resume (e.g. the last held-out loss).</summary>
    public Dictionary<string, double> Values { get; }
    /// <summary>The step this invocation starts from: 0, or the checkpoint's step.</summary>
    public long StartStep { get; }
    public bool Resumed => StartStep > 0;
    public int Steps => _options.Steps;
    public string? CheckpointDirectory => _options.CheckpointDirectory;
    /// <summary>The settings a checkpoint of this run records (null without a checkpoint directory).</summary>
    public IReadOnlyDictionary<string, string>? Settings => _settings;

    /// <summary>
    /// Prepares the run and, when the checkpoint directory holds a checkpoint, resumes it: first its settings
    /// are compared with <paramref name="settings"/> (plus the model's), then weights, moments and state
    /// are loaded into <paramref name="model"/> and the updater. <paramref name="model"/> must hold the
    /// weights the run started from (its hash is a setting); <paramref name="tokenizer"/> is copied into checkpoints.
    /// </summary>
    public TrainingLoop(LlamaModel model, ITokenizer? tokenizer, RunSettings settings, TrainingLoopOptions options)
    {
        if (options.Steps < 1) throw new RealmException($"steps must be at least 1, got {options.Steps}");
        if (options.UpdatesPerStep < 1) throw new RealmException($"updates per step must be at least 1, got {options.UpdatesPerStep}");
        if (options.CheckpointEvery < 1) throw new RealmException($"checkpoint interval must be at least 1, got {options.CheckpointEvery}");
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        Updater = new ModelUpdater(model, options.Optimizer, options.Steps * options.UpdatesPerStep);
        try
        {
            var state = new TrainerState { DataRngState = options.Seed };
            if (options.CheckpointDirectory is { } dir)
            {
                _settings = WithModel(settings, model);
                _settingsHash = RunSettings.HashOf(_settings);
                if (TrainingCheckpoint.Exists(dir))
                {
                    RefuseOtherSettings(dir, TrainingCheckpoint.ReadState(dir).Settings);
                    state = TrainingCheckpoint.Load(dir, model, Updater.Optimizer);
                    options.LoadExtra?.Invoke(dir);
                }
            }
            _rng = new SplitMix64(state.DataRngState);
            Counters = new Dictionary<string, long>(state.Counters);
            Values = new Dictionary<string, double>(state.Values);
            StartStep = _lastSaved = state.Step;
        }
        catch
        {
            Updater.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The run's settings plus what the model brings: its config, the hash of its starting weights (the frozen
    /// base when adapters train) and, with adapters, their settings and starting weights. Hashing reads every
    /// weight once (about a second per GB).
    /// </summary>
    private static SortedDictionary<string, string> WithModel(RunSettings settings, LlamaModel model)
    {
        var all = new RunSettings();
        foreach (var (name, value) in settings.Values) all.Add(name, value);
        all.AddRecord("model", model.Config).Add("base_model", RunSettings.HashOf<float>(model.Weights.Span));
        if (model.Adapters is { } adapters)
            // base_model_name_or_path is informational (a path); the weights' hash identifies the base.
            all.AddRecord("lora", adapters.Config, "base_model").Add("start_adapter", RunSettings.HashOf<float>(adapters.Weights.Span));
        else all.Add("lora.rank", "0");
        return new SortedDictionary<string, string>(all.Values.ToDictionary(), StringComparer.Ordinal);
    }

    private void RefuseOtherSettings(string dir, IReadOnlyDictionary<string, string>? recorded)
    {
        string afresh = $"or another output directory (or delete {dir}) to start afresh";
        if (recorded == null)
            throw new RealmException($"{dir}: checkpoint was made by an older realm that did not record its settings; use another output directory (or delete {dir}) to start afresh");
        var differences = RunSettings.Differences(recorded, _settings!);
        if (differences.Count > 0)
            throw new RealmException($"{dir}: checkpoint was made with other settings: {string.Join(", ", differences)}; use the same settings to resume, {afresh}");
    }

    /// <summary>True when the step count <paramref name="done"/> gets a checkpoint (every CheckpointEvery steps and the last).</summary>
    public bool IsCheckpointStep(long done) =>
        CheckpointDirectory != null && (done % _options.CheckpointEvery == 0 || done == _options.Steps);

    /// <summary>Adds to a running total.</summary>
    public void Count(string name, long amount) => Counters[name] = Counters.GetValueOrDefault(name) + amount;

    /// <summary>
    /// Runs <paramref name="step"/>(i) for i = StartStep … Steps − 1, checkpointing after the steps that get one
    /// (after the step has reported, so a resumed run misses no metrics line). When <paramref name="cancel"/>
    /// fires before a step, the steps done so far are saved and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public TrainingSummary Run(Action<long> step, CancellationToken cancel = default)
    {
        if (_ran) throw new InvalidOperationException("a TrainingLoop runs once");
        _ran = true;
        for (long i = StartStep; i < Steps; i++)
        {
            if (cancel.IsCancellationRequested)
            {
                if (i > _lastSaved) Save(i);
                cancel.ThrowIfCancellationRequested();
            }
            step(i);
            if (IsCheckpointStep(i + 1)) Save(i + 1);
        }
        return new TrainingSummary(StartStep, Steps, null);
    }

    private void Save(long done)
    {
        if (CheckpointDirectory == null) return;
        TrainingCheckpoint.Save(CheckpointDirectory, _model, Updater.Optimizer, _tokenizer, new TrainerState
        {
            Step = done, DataRngState = _rng.State, Counters = new(Counters), Values = new(Values),
            SettingsHash = _settingsHash, Settings = _settings, Threads = _model.Cpu.Threads, Simd = _model.Cpu.Simd.ToString(),
        }, _options.SaveExtra);
        _lastSaved = done;
    }

    public void Dispose() => Updater.Dispose();
}
