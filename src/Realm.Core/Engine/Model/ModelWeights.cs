using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>How a model's weights are held in memory for inference: BF16, F32, 8-bit blocks (Q8), or chosen from the checkpoint.</summary>
public enum WeightsChoice { Auto, Bf16, F32, Q8 }

/// <summary>
/// Loads a model for inference with the weights format asked for. Auto picks BF16 only when the checkpoint
/// stores its matrices as BF16 and no adapter is merged, so it never changes a result; training always
/// runs on F32 weights.
/// </summary>
public static class ModelWeights
{
    /// <summary>auto, bf16, q8 or f32 (any case); anything else is a one-line error naming <paramref name="flag"/>.</summary>
    public static WeightsChoice Parse(string? value, string flag = "--weights") => (value ?? "auto").Trim().ToLowerInvariant() switch
    {
        "auto" => WeightsChoice.Auto,
        "bf16" => WeightsChoice.Bf16,
        "f32" => WeightsChoice.F32,
        "q8" => WeightsChoice.Q8,
        var other => throw new RealmException($"{flag}: unknown value '{other}' (use auto, bf16, q8 or f32)"),
    };

    /// <summary>Whether the model in <paramref name="directory"/> is loaded with BF16 weights.</summary>
    public static bool UsesBf16(WeightsChoice choice, string directory, LoraAdapters? adapters) =>
        choice == WeightsChoice.Bf16 || (choice == WeightsChoice.Auto && adapters == null && LlamaModel.StoresBf16(directory));

    /// <summary>Loads the model directory with the weights <paramref name="choice"/> resolves to and the adapters, if any.</summary>
    public static LlamaModel Load(WeightsChoice choice, string directory, Cpu cpu, LoraAdapters? adapters = null)
    {
        if (choice == WeightsChoice.Q8) return LlamaModel.LoadPacked(directory, cpu, WeightFormat.Q8, adapters);
        if (UsesBf16(choice, directory, adapters)) return LlamaModel.LoadBf16(directory, cpu, adapters);
        var model = LlamaModel.Load(directory, cpu);
        model.Adapters = adapters;
        return model;
    }

    /// <summary>Refuses a training command given any weights format but F32 (<paramref name="value"/> null: not given).</summary>
    public static void RefuseForTraining(string? value, string flag = "--weights")
    {
        if (value != null && Parse(value, flag) != WeightsChoice.F32)
            throw new RealmException($"{flag} {value}: training runs on F32 weights; BF16 and Q8 weights are for inference (realm generate, chat and eval)");
    }
}
