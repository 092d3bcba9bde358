using System.Text.Json;
using System.Text.Json.Serialization;
using Realm.Engine.IO;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Training;

/// <summary>Where a training run stands, beyond weights and optimiser moments (trainer_state.json).</summary>
public sealed record TrainerState
{
    /// <summary>Steps done; also the schedule position (the learning rate and, in RL, the EAAI progress follow it).</summary>
    [JsonPropertyName("step")] public long Step { get; init; }
    /// <summary>The data-order generator's state: the data position.</summary>
    [JsonPropertyName("data_rng_state")] public ulong DataRngState { get; init; }
    /// <summary>Running totals the trainer keeps (tokens trained, sequences, …).</summary>
    [JsonPropertyName("counters")] public Dictionary<string, long> Counters { get; init; } = [];
    /// <summary>Last values the trainer reports again after a resume (e.g. the held-out loss).</summary>
    [JsonPropertyName("values")] public Dictionary<string, double> Values { get; init; } = [];
    /// <summary>The resume fingerprint: <see cref="RunSettings.Hash"/> of <see cref="Settings"/>.</summary>
    [JsonPropertyName("settings_hash")] public string SettingsHash { get; init; } = "";
    /// <summary>Every setting the run was made with (<see cref="RunSettings"/>), so a mismatch can be named.</summary>
    [JsonPropertyName("settings")] public SortedDictionary<string, string>? Settings { get; init; }
    /// <summary>Where the run last ran; informational (not settings: see docs/training.md).</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("simd")] public string Simd { get; init; } = "";

    // Kept only while GrpoTrainer writes its own checkpoints; it moves onto TrainingLoop (counters, settings).
    [JsonPropertyName("tokens_seen"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long TokensSeen { get; init; }
    [JsonPropertyName("fingerprint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Fingerprint { get; init; }
}

/// <summary>
/// A resumable training checkpoint: a Hugging Face model directory (config.json, model.safetensors,
/// tokenizer.json) — or, when the model trains LoRA adapters, a PEFT adapter directory (adapter_config.json,
/// adapter_model.safetensors; the frozen base is not copied) — plus optimizer.safetensors (AdamW moments of
/// what is trained) and trainer_state.json. The whole directory is written beside the target and swapped
/// in with renames, so a run killed at any moment leaves either the previous checkpoint or the new one,
/// never a mix.
/// </summary>
public static unsafe class TrainingCheckpoint
{
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";

    // Optimiser-file metadata: AdamW's step, and the adapters' training passes (which seed their dropout masks).
    private const string StepKey = "step", DropoutPassesKey = "lora_dropout_passes";

    /// <summary>Writes the checkpoint; <paramref name="writeExtra"/> may add files to the new directory before it is swapped in.</summary>
    public static void Save(string directory, LlamaModel model, AdamW optimizer, ITokenizer? tokenizer, TrainerState state,
        Action<string>? writeExtra = null)
    {
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        RemoveStaleTemporaries(full);
        string temp = $"{full}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temp);
        try
        {
            var writer = new SafeTensorsWriter();
            writer.Metadata[StepKey] = optimizer.Step.ToString();
            if (model.Adapters is { } adapters)
            {
                adapters.Save(temp);
                writer.Metadata[DropoutPassesKey] = adapters.DropoutPasses.ToString();
            }
            else model.Save(temp);
            tokenizer?.Save(temp);
            foreach (var p in optimizer.Parameters.Parameters)
            {
                writer.Add("exp_avg." + p.Name, optimizer.FirstMoment.Ptr + p.Offset, p.Length, p.Shape);
                writer.Add("exp_avg_sq." + p.Name, optimizer.SecondMoment.Ptr + p.Offset, p.Length, p.Shape);
            }
            writer.Save(Path.Combine(temp, OptimizerFile));
            AtomicFile.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
            writeExtra?.Invoke(temp);
            AtomicFile.ReplaceDirectory(temp, full);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>True if <paramref name="directory"/> holds a checkpoint (after repairing an interrupted save).</summary>
    public static bool Exists(string directory)
    {
        AtomicFile.RecoverDirectory(directory);
        return File.Exists(Path.Combine(directory, StateFile));
    }

    // A save killed before its final rename leaves a half-written sibling; it is never read, only removed.
    private static void RemoveStaleTemporaries(string full)
    {
        string? parent = Path.GetDirectoryName(full);
        if (parent == null || !Directory.Exists(parent)) return;
        foreach (var stale in Directory.GetDirectories(parent, Path.GetFileName(full) + ".tmp-*"))
            Directory.Delete(stale, recursive: true);
    }

    /// <summary>The step a checkpoint directory holds, or 0 when there is none.</summary>
    public static long StepOf(string directory) => Exists(directory) ? ReadState(directory).Step : 0;

    /// <summary>Reads trainer_state.json alone (no weights), e.g. to check its settings before loading anything.</summary>
    public static TrainerState ReadState(string directory)
    {
        string statePath = Path.Combine(directory, StateFile);
        using var doc = JsonFile.Parse(statePath);
        try
        {
            return doc.RootElement.Deserialize<TrainerState>() ?? throw new RealmException($"{statePath}: empty");
        }
        catch (JsonException e)
        {
            throw new RealmException($"{statePath}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads what is trained (the model's weights, or its attached adapters) and the optimiser moments into
    /// existing objects of the same shape; returns the state.
    /// </summary>
    public static TrainerState Load(string directory, LlamaModel model, AdamW optimizer)
    {
        bool holdsAdapters = File.Exists(Path.Combine(directory, LoraConfig.FileName));
        if (model.Adapters is { } adapters)
        {
            if (!holdsAdapters) throw new RealmException($"{directory}: checkpoint holds a full model, but this run trains LoRA adapters");
            using var loaded = LoraAdapters.Load(directory, model.Config);
            if (!loaded.Config.Equals(adapters.Config))
                throw new RealmException($"{Path.Combine(directory, LoraConfig.FileName)}: checkpoint adapters differ from this run's LoRA settings");
            loaded.Weights.Span.CopyTo(adapters.Weights.Span);
        }
        else
        {
            if (holdsAdapters) throw new RealmException($"{directory}: checkpoint holds LoRA adapters, but this run trains the full model");
            var config = LlamaConfig.Load(directory);
            if (!config.Equals(model.Config))
                throw new RealmException($"{directory}: checkpoint config.json differs from the model being trained");
            using var loaded = LlamaModel.Load(directory, model.Cpu);
            loaded.Weights.Span.CopyTo(model.Weights.Span);
        }
        string optPath = Path.Combine(directory, OptimizerFile);
        using (var file = SafeTensorsFile.Open(optPath))
        {
            foreach (var p in optimizer.Parameters.Parameters)
            {
                file.ExpectShape("exp_avg." + p.Name, p.Shape);
                file.ExpectShape("exp_avg_sq." + p.Name, p.Shape);
                file.ReadFloat("exp_avg." + p.Name, optimizer.FirstMoment.Slice(p.Offset, (int)p.Length));
                file.ReadFloat("exp_avg_sq." + p.Name, optimizer.SecondMoment.Slice(p.Offset, (int)p.Length));
            }
            optimizer.Step = ReadCount(file, StepKey);
            if (model.Adapters is { } trained) trained.DropoutPasses = ReadCount(file, DropoutPassesKey);
        }
        return ReadState(directory);
    }

    private static long ReadCount(SafeTensorsFile file, string key) =>
        file.Metadata.TryGetValue(key, out var text) && long.TryParse(text, out long value)
            ? value
            : throw new RealmException($"{file.Path}: metadata '{key}' missing or not a number");
}
