using System.CommandLine;
using System.Text.Json;
using Realm.Cli.Bench;
using Realm.Server;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm bench serve</c>: requests/s and time to first token of <c>realm serve</c> under 1, 8 and 32 concurrent clients.</summary>
internal static class BenchServeCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        common.Threads.DefaultValueFactory = _ => ServerOptions.DefaultThreads();
        common.Threads.Description = "Threads for the model (default: every core but one, left to the HTTP side, or REALM_THREADS).";
        Option<int> Int(string name, int value, string description) =>
            new(name) { Description = description, DefaultValueFactory = _ => value };
        var dim = Int("--dim", 256, "Hidden size.");
        var layers = Int("--layers", 6, "Decoder layers.");
        var heads = Int("--heads", 8, "Attention heads.");
        var kvHeads = Int("--kv-heads", 4, "Key/value heads (grouped-query attention).");
        var ffn = Int("--ffn", 688, "MLP intermediate size.");
        var vocab = Int("--vocab", 512, "Vocabulary size (at least the byte tokenizer's 259).");
        var prompt = Int("--prompt", 64, "Prompt tokens per request.");
        var gen = Int("--gen", 64, "New tokens per request.");
        var perClient = Int("--requests-per-client", 8, "Requests each client sends, one after another.");
        var clients = new Option<string>("--clients") { Description = "Concurrent clients per level, comma-separated (the server gets one slot per client of the largest).", DefaultValueFactory = _ => "1,8,32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per level: clients, requests, seconds, requests_per_s, tokens_per_s, ttft_p50_ms, ttft_p90_ms, ttft_p99_ms, latency_p50_ms." };

        var command = new Command("serve", "Measure realm serve under load: requests/s and time-to-first-token percentiles at several numbers of concurrent streaming clients, on a random model.")
        {
            dim, layers, heads, kvHeads, ffn, vocab, prompt, gen, perClient, clients, json,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            var levels = ParseClients(result.GetRequiredValue(clients));
            var shape = new ServeBenchShape(result.GetValue(dim), result.GetValue(layers), result.GetValue(heads), result.GetValue(kvHeads),
                result.GetValue(ffn), result.GetValue(vocab), result.GetValue(prompt), result.GetValue(gen), levels, result.GetValue(perClient));
            foreach (var (name, value, min) in new[] { ("--dim", shape.Dim, 1), ("--layers", shape.Layers, 1), ("--heads", shape.Heads, 1),
                         ("--kv-heads", shape.KvHeads, 1), ("--ffn", shape.Ffn, 1), ("--prompt", shape.Prompt, 2), ("--gen", shape.Gen, 1),
                         ("--requests-per-client", shape.RequestsPerClient, 1) })
                if (value < min) throw new RealmException($"{name} must be at least {min}, got {value}");
            using var cpu = common.CreateCpu(result);

            if (result.GetValue(json))
            {
                foreach (var level in ServeBench.Run(cpu, shape, _ => { }).Levels)
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["clients"] = level.Clients,
                        ["requests"] = level.Requests,
                        ["seconds"] = Math.Round(level.Seconds, 3),
                        ["requests_per_s"] = Math.Round(level.RequestsPerSecond, 2),
                        ["tokens_per_s"] = Math.Round(level.TokensPerSecond, 1),
                        ["ttft_p50_ms"] = Math.Round(level.TtftP50Ms, 1),
                        ["ttft_p90_ms"] = Math.Round(level.TtftP90Ms, 1),
                        ["ttft_p99_ms"] = Math.Round(level.TtftP99Ms, 1),
                        ["latency_p50_ms"] = Math.Round(level.LatencyP50Ms, 1),
                    }));
                return 0;
            }
            (long Params, List<ServeBenchLevel> Levels) r = (0, []);
            AnsiConsole.Status().Start("benchmarking", ctx => r = ServeBench.Run(cpu, shape, text => ctx.Status(text)));
            var table = new Table().AddColumns("clients", "requests", "requests/s", "tokens/s", "TTFT p50 ms", "TTFT p90 ms", "TTFT p99 ms", "latency p50 ms");
            table.Title = new TableTitle($"realm bench serve: {r.Params:N0} parameters, {shape.Prompt}-token prompts, {shape.Gen} new tokens, on {cpu}");
            foreach (var level in r.Levels)
                table.AddRow($"{level.Clients}", $"{level.Requests}", $"{level.RequestsPerSecond:N1}", $"{level.TokensPerSecond:N0}",
                    $"{level.TtftP50Ms:N1}", $"{level.TtftP90Ms:N1}", $"{level.TtftP99Ms:N1}", $"{level.LatencyP50Ms:N1}");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static List<int> ParseClients(string text)
    {
        var levels = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            levels.Add(int.TryParse(part, out int n) && n >= 1 ? n : throw new RealmException($"--clients: '{part}' is not a whole number of at least 1"));
        return levels.Count > 0 ? levels : throw new RealmException("--clients: give at least one number");
    }
}
