using System.CommandLine;
using System.Text.Json;
using Realm.Cli.Bench;
using Realm.Engine.Compute;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm bench</c>: training, decoding and GEMM speed of a random model of a given shape.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        Option<int> Int(string name, int value, string description) =>
            new(name) { Description = description, DefaultValueFactory = _ => value };
        var dim = Int("--dim", 256, "Hidden size.");
        var layers = Int("--layers", 6, "Decoder layers.");
        var heads = Int("--heads", 8, "Attention heads.");
        var kvHeads = Int("--kv-heads", 4, "Key/value heads (grouped-query attention).");
        var ffn = Int("--ffn", 688, "MLP intermediate size.");
        var vocab = Int("--vocab", 512, "Vocabulary size.");
        var seq = Int("--seq", 256, "Training sequence length.");
        var batch = Int("--batch", 16, "Training sequences per step.");
        var decodeBatch = Int("--decode-batch", 16, "Sequences decoded together.");
        var prompt = Int("--prompt", 64, "Prompt tokens per decoded sequence.");
        var gen = Int("--gen", 128, "New tokens per decoded sequence.");
        var profile = new Option<bool>("--profile") { Description = "Also print the time spent per kernel (same as REALM_PROFILE=1)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: params, train_tokens_per_s, decode_tokens_per_s, gemm_gflops, peak_gflops, mfu, peak_rss_mb." };

        var command = new Command("bench", "Measure training and decoding throughput, SGEMM speed and MFU on this machine.")
        {
            dim, layers, heads, kvHeads, ffn, vocab, seq, batch, decodeBatch, prompt, gen, json, profile,
        };
        common.AddTo(command);
        command.Add(BenchLoraCommand.Create());
        command.Add(BenchInferenceCommand.Create());
        command.Add(BenchServeCommand.Create());
        command.Add(BenchRlCommand.Create());
        command.SetAction(result =>
        {
            var shape = new BenchShape(result.GetValue(dim), result.GetValue(layers), result.GetValue(heads), result.GetValue(kvHeads),
                result.GetValue(ffn), result.GetValue(vocab), result.GetValue(seq), result.GetValue(batch),
                result.GetValue(decodeBatch), result.GetValue(prompt), result.GetValue(gen));
            foreach (var (name, value) in new[] { ("--dim", shape.Dim), ("--layers", shape.Layers), ("--heads", shape.Heads),
                         ("--kv-heads", shape.KvHeads), ("--ffn", shape.Ffn), ("--vocab", shape.Vocab), ("--seq", shape.Seq),
                         ("--batch", shape.Batch), ("--decode-batch", shape.DecodeBatch), ("--prompt", shape.Prompt), ("--gen", shape.Gen) })
                if (value < 1) throw new RealmException($"{name} must be at least 1, got {value}");
            using var cpu = common.CreateCpu(result);
            bool asJson = result.GetValue(json);
            if (result.GetValue(profile)) Profiler.Enabled = true;
            BenchResult r;
            if (asJson) r = EngineBench.Run(cpu, shape, _ => { });
            else
            {
                BenchResult? done = null;
                AnsiConsole.Status().Start("benchmarking", ctx => done = EngineBench.Run(cpu, shape, s => ctx.Status(s)));
                r = done!;
            }
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["params"] = r.Params,
                    ["train_tokens_per_s"] = Math.Round(r.TrainTokensPerS, 1),
                    ["decode_tokens_per_s"] = Math.Round(r.DecodeTokensPerS, 1),
                    ["gemm_gflops"] = Math.Round(r.GemmGflops, 1),
                    ["peak_gflops"] = Math.Round(r.PeakGflops, 1),
                    ["mfu"] = Math.Round(r.Mfu, 4),
                    ["peak_rss_mb"] = Math.Round(r.PeakRssMb, 1),
                }));
                return 0;
            }
            var table = new Table().AddColumns("measure", "value");
            table.Title = new TableTitle($"realm bench on {cpu}");
            table.AddRow("parameters", $"{r.Params:N0}");
            table.AddRow("training (fwd+bwd+AdamW)", $"{r.TrainTokensPerS:N0} tokens/s");
            table.AddRow("decoding (KV cache, prefill included)", $"{r.DecodeTokensPerS:N0} tokens/s");
            table.AddRow("1024³ SGEMM", $"{r.GemmGflops:N1} GFLOP/s");
            table.AddRow("FMA peak (measured)", $"{r.PeakGflops:N1} GFLOP/s");
            table.AddRow("MFU (6·params·tokens/s ÷ peak)", $"{r.Mfu:P1}");
            table.AddRow("peak memory", $"{r.PeakRssMb:N0} MB");
            AnsiConsole.Write(table);
            foreach (var (phase, stages) in EngineBench.Profiles)
            {
                var t = new Table().AddColumns("stage", "seconds", "calls", "share of total");
                t.Title = new TableTitle($"profile: {phase}");
                double total = stages.Where(x => x.Name.StartsWith("total:")).Sum(x => x.Seconds);
                foreach (var (name, seconds, calls) in stages)
                    t.AddRow(Markup.Escape(name), $"{seconds:F3}", $"{calls:N0}", total > 0 ? $"{seconds / total:P1}" : "");
                AnsiConsole.Write(t);
            }
            return 0;
        });
        return command;
    }
}
