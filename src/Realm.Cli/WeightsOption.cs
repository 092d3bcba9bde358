using System.CommandLine;
using Realm.Engine.Model;

namespace Realm.Cli;

/// <summary>
/// <c>--weights auto|bf16|q8|f32</c> for the commands that only run a model (generate, chat, eval): whether the
/// loaded model keeps BF16 weights (half the memory, half the bytes read per decoded token) or F32.
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
    public WeightsChoice Read(ParseResult result) => ModelWeights.Parse(result.GetValue(Weights));

    /// <summary>
    /// A hidden <c>--weights</c> for the training commands: asking them for BF16 weights gets a clear answer
    /// rather than "unrecognized argument", since training updates F32 weights.
    /// </summary>
    public static Option<string?> ForTraining() => new("--weights") { Hidden = true };

    /// <summary>Stops a training command given <c>--weights</c> other than f32.</summary>
    public static void RefuseTraining(ParseResult result, Option<string?> option) => ModelWeights.RefuseForTraining(result.GetValue(option));
}
