using System.CommandLine;
using System.Text.Json;
using Realm.Cli.Bench;
using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm bench lora</c>: peak memory and step time of LoRA SFT, by default on Qwen2.5-0.5B's shape.</summary>
internal static class BenchLoraCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        Option<T> Opt<T>(string name, T value, string description) =>
            new(name) { Description = description, DefaultValueFactory = _ => value };
        var model = new QwenShapeOptions();
        var seq = Opt("--seq", 256, "Tokens per sequence.");
        var batch = Opt("--batch", 4, "Sequences per step (one forward and backward pass).");
        var rank = Opt("--rank", 16, "LoRA rank r.");
        var alpha = Opt("--alpha", 32.0, "LoRA alpha.");
        var dropout = Opt("--dropout", 0.05, "LoRA dropout.");
        var targets = Opt("--targets", "all-linear", "Target modules: comma-separated q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj, or all-linear.");
        var steps = Opt("--steps", 3, "Timed steps (after one warm-up step).");
        var json = new Option<bool>("--json") { Description = "Print one JSON object: base_params, trainable_params, step_seconds, cpu_seconds_per_step, tokens_per_s, model_rss_mb, peak_rss_mb." };
        var profile = new Option<bool>("--profile") { Description = "Also print the time spent per kernel in the timed steps (same as REALM_PROFILE=1)." };
        var command = new Command("lora", "Peak memory and step time of LoRA fine-tuning (SFT, adapters only) on a random Qwen2-style model; defaults: Qwen2.5-0.5B, rank 16 on every projection, 4×256 tokens.")
        {
            seq, batch, rank, alpha, dropout, targets, steps, json, profile,
        };
        model.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            var modelShape = model.Read(result);
            foreach (var (name, value) in new[] { ("--seq", result.GetValue(seq)), ("--batch", result.GetValue(batch)), ("--steps", result.GetValue(steps)) })
                if (value < 1) throw new RealmException($"{name} must be at least 1, got {value}");
            var lora = new LoraConfig
            {
                Rank = result.GetValue(rank), Alpha = result.GetValue(alpha), Dropout = result.GetValue(dropout),
                Targets = LoraTargets.ParseList(result.GetValue(targets)!, "--targets"),
            }.Validate("--rank/--alpha/--dropout");
            var shape = new LoraBenchShape(modelShape, result.GetValue(seq), result.GetValue(batch), lora, result.GetValue(steps));
            using var cpu = common.CreateCpu(result);
            if (result.GetValue(profile)) Profiler.Enabled = true;
            LoraBenchResult r;
            if (result.GetValue(json)) r = LoraBench.Run(cpu, shape, _ => { });
            else
            {
                LoraBenchResult? done = null;
                AnsiConsole.Status().Start("benchmarking", ctx => done = LoraBench.Run(cpu, shape, st => ctx.Status(Markup.Escape(st))));
                r = done!;
            }
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["base_params"] = r.BaseParams,
                    ["trainable_params"] = r.TrainableParams,
                    ["step_seconds"] = Math.Round(r.StepSeconds, 6),
                    ["cpu_seconds_per_step"] = Math.Round(r.CpuSecondsPerStep, 6),
                    ["tokens_per_s"] = Math.Round(r.TokensPerS, 1),
                    ["model_rss_mb"] = Math.Round(r.ModelRssMb, 1),
                    ["peak_rss_mb"] = Math.Round(r.PeakRssMb, 1),
                }));
                return 0;
            }
            var table = new Table().AddColumns("measure", "value");
            table.Title = new TableTitle($"realm bench lora on {cpu}");
            table.AddRow("base parameters (frozen)", $"{r.BaseParams:N0}");
            table.AddRow($"trainable (LoRA r {lora.Rank} on {lora.Targets.Count} projections)", $"{r.TrainableParams:N0}");
            table.AddRow($"step ({shape.Batch}×{shape.Seq} tokens, median of {shape.Steps})", $"{r.StepSeconds:F2} s");
            table.AddRow("CPU time per step (all threads)", $"{r.CpuSecondsPerStep:F2} s");
            table.AddRow("training throughput", $"{r.TokensPerS:N0} tokens/s");
            table.AddRow("memory after creating the model", $"{r.ModelRssMb:N0} MB");
            table.AddRow("peak memory (RSS)", $"{r.PeakRssMb:N0} MB");
            AnsiConsole.Write(table);
            if (r.Profile.Count > 0)
            {
                var t = new Table().AddColumns("stage", "seconds", "calls");
                t.Title = new TableTitle($"profile: {shape.Steps} timed steps");
                foreach (var (name, seconds, calls) in r.Profile) t.AddRow(Markup.Escape(name), $"{seconds:F3}", $"{calls:N0}");
                AnsiConsole.Write(t);
            }
            return 0;
        });
        return command;
    }
}
