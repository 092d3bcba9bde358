using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Server;

namespace Realm.Cli.Bench;

/// <summary>What <c>realm bench serve</c> loads: a random model of this shape with the byte tokenizer, and the requests it sends.</summary>
internal sealed record ServeBenchShape(int Dim, int Layers, int Heads, int KvHeads, int Ffn, int Vocab, int Prompt, int Gen,
    IReadOnlyList<int> Clients, int RequestsPerClient);

/// <summary>One load level: <see cref="Clients"/> clients each sending streamed requests back to back.</summary>
internal sealed record ServeBenchLevel(int Clients, int Requests, double Seconds, long CompletionTokens,
    double TtftP50Ms, double TtftP90Ms, double TtftP99Ms, double LatencyP50Ms)
{
    public double RequestsPerSecond => Requests / Seconds;
    public double TokensPerSecond => CompletionTokens / Seconds;
}

/// <summary>
/// Load on <c>realm serve</c>: starts the server in this process on a loopback port with one slot per
/// client of the largest level, and for each level runs that many HTTP clients, each sending streamed
/// /v1/completions requests (distinct prompts, seeded sampling at temperature 1, <c>ignore_eos</c> so
/// every reply has the same length) one after another. Time to first token is measured by the client,
/// from sending a request to reading the first chunk of text; requests/s counts whole replies.
/// </summary>
internal static class ServeBench
{
    public static (long Params, List<ServeBenchLevel> Levels) Run(Cpu cpu, ServeBenchShape s, Action<string> status)
    {
        var directory = Directory.CreateTempSubdirectory("realm-bench-serve-");
        try
        {
            long parameters = SaveRandomModel(directory.FullName, s, cpu);
            return (parameters, RunAsync(cpu, directory.FullName, s, status).GetAwaiter().GetResult());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static long SaveRandomModel(string directory, ServeBenchShape s, Cpu cpu)
    {
        var tokenizer = new ByteTokenizer();
        if (s.Vocab < tokenizer.VocabSize) throw new RealmException($"--vocab must be at least {tokenizer.VocabSize} (the byte tokenizer's ids), got {s.Vocab}");
        var config = new LlamaConfig
        {
            HiddenSize = s.Dim, IntermediateSize = s.Ffn, NumHiddenLayers = s.Layers, NumAttentionHeads = s.Heads,
            NumKeyValueHeads = s.KvHeads, VocabSize = s.Vocab, TieWordEmbeddings = false, MaxPositionEmbeddings = s.Prompt + s.Gen,
        }.Validate("bench shape");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);
        model.Save(directory);
        tokenizer.Save(directory);
        return model.ParameterCount;
    }

    private static async Task<List<ServeBenchLevel>> RunAsync(Cpu cpu, string modelDirectory, ServeBenchShape s, Action<string> status)
    {
        int slots = s.Clients.Max();
        await using var server = await RealmServer.StartAsync(new ServerOptions
        {
            ModelDirectory = modelDirectory, ModelName = "bench", Port = 0,
            Batching = new ContinuousBatcherOptions { Slots = slots, ContextLength = s.Prompt + s.Gen, MaxWaiting = slots },
        }, cpu);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };

        status("warming up");
        for (int i = 0; i < 2; i++) await RequestAsync(http, s, -1 - i);
        var levels = new List<ServeBenchLevel>();
        foreach (int clients in s.Clients)
        {
            status($"{clients} concurrent client(s)");
            levels.Add(await LevelAsync(http, s, clients));
        }
        return levels;
    }

    private static async Task<ServeBenchLevel> LevelAsync(HttpClient http, ServeBenchShape s, int clients)
    {
        int requests = clients * s.RequestsPerClient, next = -1;
        var results = new (double Ttft, double Latency, int Tokens)[requests];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < requests;) results[i] = await RequestAsync(http, s, i);
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        var ttft = results.Select(r => r.Ttft).Order().ToArray();
        return new ServeBenchLevel(clients, requests, seconds, results.Sum(r => (long)r.Tokens),
            Percentile(ttft, 0.50), Percentile(ttft, 0.90), Percentile(ttft, 0.99), Percentile([.. results.Select(r => r.Latency).Order()], 0.50));
    }

    // One streamed request; times in milliseconds. Prompts differ by request so that no two are alike.
    private static async Task<(double Ttft, double Latency, int Tokens)> RequestAsync(HttpClient http, ServeBenchShape s, int index)
    {
        string prompt = $"Request {index}: " + new string('x', s.Prompt);
        prompt = prompt[..(s.Prompt - 1)]; // the server adds BOS
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "bench", prompt, max_tokens = s.Gen, temperature = 1.0, seed = index, ignore_eos = true, stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new RealmException($"the server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        double ttft = double.NaN;
        int tokens = 0;
        while (await events.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line.AsMemory("data: ".Length));
            var root = chunk.RootElement;
            if (root.TryGetProperty("usage", out var usage)) tokens = usage.GetProperty("completion_tokens").GetInt32();
            else if (double.IsNaN(ttft) && root.GetProperty("choices")[0].GetProperty("text").GetString() is { Length: > 0 })
                ttft = clock.Elapsed.TotalMilliseconds;
        }
        double latency = clock.Elapsed.TotalMilliseconds;
        if (tokens != s.Gen) throw new RealmException($"a reply had {tokens} tokens instead of {s.Gen}");
        return (double.IsNaN(ttft) ? latency : ttft, latency, tokens);
    }

    // Nearest rank: the smallest value with at least p of the values at or below it.
    private static double Percentile(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
