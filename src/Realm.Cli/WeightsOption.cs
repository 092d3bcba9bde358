using System.CommandLine;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;
using Realm.Engine.Model;

namespace Realm.Cli;

/// <summary>
/// <c>--weights auto|bf16|q8|f32</c> for the commands that only run a model (generate, chat, eval): whether the
/// loaded model keeps BF16 weights (half the memory, half the bytes read per decoded token), 8-bit blocks
/// (about a quarter; approximate) or F32.
/// </summary>
internal sealed class WeightsOption
{
    public readonly Option<string> Weights = new("--weights")
    {
        Description = "Weights in memory: bf16 (half the memory and decode bandwidth; F32 checkpoints are rounded), q8 (8-bit blocks " +
                      "with a scale per 32 values: about a quarter of F32; approximate, see docs/engine.md), f32, or auto " +
                      "(default: bf16 when the checkpoint stores its matrices as BF16 and no adapter is merged, so results are " +
                      "unchanged; f32 otherwise).",
        DefaultValueFactory = _ => "auto",
    };

    public void AddTo(Command command) => command.Add(Weights);

    /// <summary>The flag's value, checked (call before loading, so a typo fails fast).</summary>
    public string Read(ParseResult result)
    {
        string value = (result.GetValue(Weights) ?? "auto").Trim().ToLowerInvariant();
        return value is "auto" or "bf16" or "q8" or "f32" ? value : throw new RealmException($"--weights: unknown value '{value}' (use auto, bf16, q8 or f32)");
    }

    /// <summary>
    /// A hidden <c>--weights</c> for the training commands: asking them for BF16 weights gets a clear answer
    /// rather than "unrecognized argument", since training updates F32 weights.
    /// </summary>
    public static Option<string?> ForTraining() => new("--weights") { Hidden = true };

    /// <summary>Stops a training command given <c>--weights</c> other than f32.</summary>
    public static void RefuseTraining(ParseResult result, Option<string?> option)
    {
        if (result.GetValue(option) is { } value && !value.Trim().Equals("f32", StringComparison.OrdinalIgnoreCase))
            throw new RealmException($"--weights {value}: training runs on F32 weights; BF16 and Q8 weights are for inference (realm generate, chat and eval)");
    }

    /// <summary>Loads the model directory with the weights <paramref name="choice"/> asks for and the adapters, if any.</summary>
    public static LlamaModel Load(string choice, string directory, Cpu cpu, LoraAdapters? adapters = null)
    {
        if (choice == "q8") return LlamaModel.LoadPacked(directory, cpu, WeightFormat.Q8, adapters);
        bool bf16 = choice == "bf16" || (choice == "auto" && adapters == null && LlamaModel.StoresBf16(directory));
        if (bf16) return LlamaModel.LoadBf16(directory, cpu, adapters);
        var model = LlamaModel.Load(directory, cpu);
        model.Adapters = adapters;
        return model;
    }
}
