using System.CommandLine;
using System.Text.Json;
using Realm.Cli.Bench;
using Realm.Engine.Kernels;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm bench inference</c>: prefill and decoding speed with F32, BF16 and Q8 weights, and decoding's share of
/// the measured memory read bandwidth, by default on Qwen2.5-0.5B's shape.
/// </summary>
internal static class BenchInferenceCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        Option<T> Opt<T>(string name, T value, string description) =>
            new(name) { Description = description, DefaultValueFactory = _ => value };
        var model = new QwenShapeOptions();
        var prompt = Opt("--prompt", 128, "Prompt tokens of the prefill measurement (one sequence).");
        var batches = Opt("--decode-batches", "1,16", "Comma-separated numbers of sequences decoded together.");
        var context = Opt("--decode-context", 64, "Tokens each decoded sequence holds before the timed steps.");
        var steps = Opt("--steps", 32, "Timed decoding steps per batch size (after two untimed ones).");
        var formats = Opt("--weights", "f32,bf16,q8", "Comma-separated weight formats to measure: f32, bf16, q8.");
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: params, read_gb_per_s, copy_gb_per_s, cpu_share, peak_rss_mb and per format weight_bytes, " +
                          "prefill_tokens_per_s and decode (batch, tokens_per_s, bytes_per_token, read_gb_per_s, bandwidth_share).",
        };
        var command = new Command("inference",
            "Prefill and decoding speed of a random Qwen2-style model with F32, BF16 and Q8 weights, and decoding's share of the measured " +
            "read bandwidth; defaults: Qwen2.5-0.5B, a 128-token prefill, decoding at batch 1 and 16.")
        {
            prompt, batches, context, steps, formats, json,
        };
        model.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            var modelShape = model.Read(result);
            foreach (var (name, value) in new[] { ("--prompt", result.GetValue(prompt)), ("--decode-context", result.GetValue(context)), ("--steps", result.GetValue(steps)) })
                if (value < 1) throw new RealmException($"{name} must be at least 1, got {value}");
            var shape = new InferenceBenchShape(modelShape, result.GetValue(prompt), ParseBatches(result.GetValue(batches)!),
                result.GetValue(context), result.GetValue(steps), ParseFormats(result.GetValue(formats)!));
            using var cpu = common.CreateCpu(result);
            InferenceBenchResult r;
            if (result.GetValue(json)) r = InferenceBench.Run(cpu, shape, _ => { });
            else
            {
                InferenceBenchResult? done = null;
                AnsiConsole.Status().Start("benchmarking", ctx => done = InferenceBench.Run(cpu, shape, st => ctx.Status(Markup.Escape(st))));
                r = done!;
            }
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["params"] = r.Params,
                    ["read_gb_per_s"] = Math.Round(r.ReadGBps, 2),
                    ["copy_gb_per_s"] = Math.Round(r.CopyGBps, 2),
                    ["cpu_share"] = Math.Round(r.CpuShare, 3),
                    ["peak_rss_mb"] = Math.Round(r.PeakRssMb, 1),
                    ["formats"] = r.Formats.ToDictionary(f => f.Format.ToString().ToLowerInvariant(), f => (object)new Dictionary<string, object>
                    {
                        ["weight_bytes"] = f.WeightBytes,
                        ["prefill_tokens_per_s"] = Math.Round(f.PrefillTokensPerS, 1),
                        ["decode"] = f.Decode.Select(d => new Dictionary<string, object>
                        {
                            ["batch"] = d.Batch,
                            ["tokens_per_s"] = Math.Round(d.TokensPerS, 2),
                            ["bytes_per_token"] = Math.Round(d.BytesPerToken),
                            ["read_gb_per_s"] = Math.Round(d.ReadGBps, 2),
                            ["bandwidth_share"] = Math.Round(d.BandwidthShare, 4),
                        }).ToList(),
                    }),
                }));
                return 0;
            }
            var table = new Table().AddColumn("measure");
            foreach (var f in r.Formats) table.AddColumn(new TableColumn(InferenceBench.Name(f.Format)).RightAligned());
            table.Title = new TableTitle($"realm bench inference on {cpu}: {r.Params:N0} parameters");
            void Row(string label, Func<FormatResult, string> cell) => table.AddRow([label, .. r.Formats.Select(cell)]);
            Row("weights read per decoding step", f => $"{f.WeightBytes / 1e6:N0} MB");
            Row($"prefill ({shape.Prompt}-token prompt)", f => $"{f.PrefillTokensPerS:N0} tokens/s");
            for (int i = 0; i < shape.DecodeBatches.Length; i++)
            {
                int at = i;
                Row($"decode, batch {shape.DecodeBatches[i]}", f => $"{f.Decode[at].TokensPerS:N1} tokens/s");
                Row("  bytes read per token", f => $"{f.Decode[at].BytesPerToken / 1e6:N0} MB");
                Row("  read rate; share of the read bandwidth beside it", f => $"{f.Decode[at].ReadGBps:N1} GB/s; {f.Decode[at].BandwidthShare:P0}");
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"read bandwidth (best of 5 sums of 1 GiB): {r.ReadGBps:N1} GB/s; copy (read + written, 512 MiB): {r.CopyGBps:N1} GB/s; " +
                                   $"Q8 dot products: {Q8MatVec.PathFor(cpu.Simd)}; CPU time got in the timed passes: " +
                                   $"{r.CpuShare:P0} of {cpu.Threads} thread(s); peak memory {r.PeakRssMb:N0} MB");
            return 0;
        });
        return command;
    }

    private static int[] ParseBatches(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new RealmException("--decode-batches: give at least one batch size");
        return parts.Select(p => int.TryParse(p, out int b) && b >= 1 ? b
            : throw new RealmException($"--decode-batches: '{p}' is not a positive integer")).ToArray();
    }

    private static WeightFormat[] ParseFormats(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new RealmException("--weights: give one or more of f32, bf16, q8");
        return parts.Select(p => p.ToLowerInvariant() switch
        {
            "f32" => WeightFormat.F32,
            "bf16" => WeightFormat.Bf16,
            "q8" => WeightFormat.Q8,
            _ => throw new RealmException($"--weights: unknown format '{p}' (use f32, bf16, q8)"),
        }).Distinct().ToArray();
    }
}
