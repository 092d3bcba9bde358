using System.CommandLine;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm lora</c>: work with LoRA adapters in PEFT format (<c>merge</c> folds one into its base model).</summary>
internal static class LoraCommand
{
    public static Command Create() => new("lora", "Work with LoRA adapters (PEFT adapter_config.json + adapter_model.safetensors).")
    {
        Merge(),
    };

    private static Command Merge()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "Base model directory (config.json + model.safetensors).", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "Adapter directory (adapter_config.json + adapter_model.safetensors).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output directory for the merged model.", Required = true };
        var command = new Command("merge", "Fold an adapter into its base model, W' = W + (lora_alpha/r)·B·A, and save a full Hugging Face model.")
        {
            model, adapter, outDir,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            string baseDir = result.GetRequiredValue(model), adapterDir = result.GetRequiredValue(adapter), output = result.GetRequiredValue(outDir);
            if (Path.GetFullPath(output).TrimEnd('/') == Path.GetFullPath(baseDir).TrimEnd('/'))
                throw new RealmException($"--out {output}: must differ from --model (the base model is not overwritten)");
            using var cpu = common.CreateCpu(result);
            using var llm = LlamaModel.Load(baseDir, cpu);
            using var adapters = LoraAdapters.Load(adapterDir, llm.Config);
            adapters.MergeInto(llm);
            llm.Save(output);
            ModelSideFiles.Copy(baseDir, output);
            var c = adapters.Config;
            AnsiConsole.MarkupLine($"[green]merged[/] {Markup.Escape(adapterDir)} (r {c.Rank}, lora_alpha {c.Alpha}, " +
                $"{string.Join(", ", c.Targets.Select(t => t.Name()))}) into {Markup.Escape(baseDir)} → {Markup.Escape(output)}");
            return 0;
        });
        return command;
    }
}
