using System.CommandLine;
using Realm.Engine.Lora;
using Realm.Engine.Model;

namespace Realm.Cli;

/// <summary><c>--adapter DIR</c> of the commands that run a model: a LoRA adapter (PEFT files) applied to it.</summary>
internal sealed class AdapterOption
{
    public readonly Option<string?> Option = new("--adapter")
    {
        Description = "LoRA adapter directory (PEFT adapter_config.json + adapter_model.safetensors, e.g. from realm sft or realm rl) to apply to the model.",
    };

    /// <summary>
    /// Loads the adapter, if one is given, checked against the model directory's config; the model is then
    /// loaded with it (<see cref="ModelWeights.Load"/>). Dispose what it returns after the model's last use.
    /// </summary>
    public LoraAdapters? Load(ParseResult result, string modelDirectory) =>
        result.GetValue(Option) is { } directory ? LoraAdapters.Load(directory, LlamaModel.LoadConfig(modelDirectory)) : null;
}
