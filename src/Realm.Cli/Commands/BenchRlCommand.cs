using System.CommandLine;
using System.Text.Json;
using Realm.Cli.Bench;
using Realm.Engine.Lora;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm bench rl</c>: one GRPO step end to end, split into its parts, each against its roofline.</summary>
internal static class BenchRlCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        Option<T> Opt<T>(string name, T value, string description) =>
            new(name) { Description = description, DefaultValueFactory = _ => value };
        var preset = Opt("--preset", "demo",
            "demo: the model realm demo trains (4 layers × 128, full training); qwen-0.5b: Qwen2.5-0.5B's shape with LoRA r 16 on every projection.");
        var prompts = Opt("--prompts", 8, "Distinct prompts per step.");
        var generations = Opt("--generations", 8, "G: rollouts per prompt.");
        var promptTokens = Opt("--prompt-tokens", 64, "Tokens per prompt.");
        var newTokens = Opt("--new-tokens", 256, "Tokens per rollout (no stop token: every rollout has exactly this many).");
        var steps = new Option<int?>("--steps") { Description = "Timed steps after one warm-up step (default: 3 for demo, 1 for qwen-0.5b)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: params, trainable_params, step_seconds, peak_gflops, read_gb_per_s, peak_rss_mb, parts [{name, seconds, roofline_seconds, bound}]." };
        var command = new Command("rl",
            "Time one GRPO step (G rollouts of fixed length on several prompts, then the update) on the demo model or a 0.5B-shaped model with LoRA, "
            + "split into rollout prefill, rollout decode, scoring, reference/old log-probs, backward and optimizer, each against its roofline.")
        {
            preset, prompts, generations, promptTokens, newTokens, steps, json,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            foreach (var option in new[] { prompts, promptTokens, newTokens })
                if (result.GetValue(option) < 1) throw new RealmException($"{option.Name} must be at least 1, got {result.GetValue(option)}");
            if (result.GetValue(generations) < 2) throw new RealmException($"--generations must be at least 2 (GRPO compares rollouts within a group), got {result.GetValue(generations)}");
            string name = result.GetValue(preset)!.Trim().ToLowerInvariant();
            var (config, lora, perPass, defaultSteps) = name switch
            {
                "demo" => (RlBenchShape.Demo, (LoraConfig?)null, 16384, 3),
                "qwen-0.5b" => (new QwenShape(896, 24, 14, 2, 4864, 151936).Config(maxPositions: 32768),
                    new LoraConfig { Rank = 16, Alpha = 32, Targets = LoraTargets.ParseList("all-linear", "--preset") }.Validate("--preset"), 2048, 1),
                _ => throw new RealmException($"--preset: unknown value '{name}' (use demo or qwen-0.5b)"),
            };
            int timed = result.GetValue(steps) ?? defaultSteps;
            if (timed < 1) throw new RealmException($"--steps must be at least 1, got {timed}");
            var shape = new RlBenchShape(name, config, lora, result.GetValue(prompts), result.GetValue(generations), result.GetValue(promptTokens),
                result.GetValue(newTokens), perPass, timed);
            using var cpu = common.CreateCpu(result);
            RlBenchResult r;
            if (result.GetValue(json)) r = RlBench.Run(cpu, shape, _ => { });
            else
            {
                RlBenchResult? done = null;
                AnsiConsole.Status().Start("benchmarking", ctx => done = RlBench.Run(cpu, shape, st => ctx.Status(Markup.Escape(st))));
                r = done!;
            }
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["preset"] = name, ["params"] = r.Params, ["trainable_params"] = r.TrainableParams,
                    ["step_seconds"] = Math.Round(r.StepSeconds, 4), ["peak_gflops"] = Math.Round(r.PeakGflops, 1),
                    ["read_gb_per_s"] = Math.Round(r.ReadGBps, 2), ["peak_rss_mb"] = Math.Round(r.PeakRssMb, 1),
                    ["parts"] = r.Parts.Select(p => new Dictionary<string, object?>
                    {
                        ["name"] = p.Name, ["seconds"] = Math.Round(p.Seconds, 4),
                        ["roofline_seconds"] = p.RooflineSeconds is double roof ? Math.Round(roof, 4) : null, ["bound"] = p.Bound,
                    }).ToList(),
                }));
                return 0;
            }
            var table = new Table().AddColumns("part of the step", "seconds", "share", "roofline", "× roofline");
            table.Title = new TableTitle($"realm bench rl --preset {name} on {cpu}: {shape.Prompts} prompts × {shape.Generations} rollouts of " +
                $"{shape.NewTokens} tokens ({shape.PromptTokens}-token prompts), mean of {timed} step(s)");
            foreach (var p in r.Parts.OrderByDescending(p => p.Seconds))
                table.AddRow(Markup.Escape(p.Name), $"{p.Seconds:F3}", $"{p.Seconds / r.StepSeconds:P0}",
                    p.RooflineSeconds is double roof ? $"{roof:F3} s ({Markup.Escape(p.Bound)})" : "",
                    p.RooflineSeconds is double rf && rf > 0 ? $"{p.Seconds / rf:F2}" : "");
            table.AddRow("[bold]step[/]", $"[bold]{r.StepSeconds:F3}[/]", "100%", "", "");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{r.Params:N0} parameters, {r.TrainableParams:N0} trained; FMA peak {r.PeakGflops:N0} GFLOP/s, " +
                                   $"read bandwidth {r.ReadGBps:N1} GB/s (both measured now); peak memory {r.PeakRssMb:N0} MB");
            return 0;
        });
        return command;
    }
}
