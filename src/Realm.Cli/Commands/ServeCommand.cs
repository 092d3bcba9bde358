using System.CommandLine;
using Realm.Engine.Generation;
using Realm.Server;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm serve</c>: an OpenAI-compatible HTTP server for a model directory, with continuous batching.
/// Ctrl+C or SIGTERM stops it gracefully: no new requests, those under way finish (or are cancelled after
/// --shutdown-timeout), exit code 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ContinuousBatcherOptions();
        var common = new CommonOptions();
        common.Threads.DefaultValueFactory = _ => ServerOptions.DefaultThreads();
        common.Threads.Description = "Threads for the model (default: every core but one, left to the HTTP side, or REALM_THREADS).";
        Option<T> Opt<T>(string name, T value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var model = new Option<string>("--model") { Description = "Model directory (config.json, model.safetensors, tokenizer.json).", Required = true };
        var name = new Option<string?>("--name") { Description = "The model id clients pass as \"model\" (default: the directory's name)." };
        var template = Opt("--template", "auto", "Chat format: auto (from tokenizer_config.json's chat_template), none (plain lines), chatml or llama3.");
        var host = Opt("--host", "127.0.0.1", "Address to listen on: an IP address or localhost (default loopback only; 0.0.0.0 or :: for every interface).");
        var port = Opt("--port", 8000, "TCP port (0: any free port, printed at start).");
        var apiKey = new Option<string?>("--api-key") { Description = "Require \"Authorization: Bearer KEY\" on /v1 requests (401 otherwise)." };
        var slots = Opt("--slots", defaults.Slots, "Sequences decoded together (KV-cache slots); a request with n choices takes n.");
        var context = Opt("--context", defaults.ContextLength, "Tokens of prompt + completion per sequence (capped by the model's max_position_embeddings).");
        var queue = Opt("--queue", defaults.MaxWaiting, "Sequences that may wait for a free slot; beyond that requests get 503 with Retry-After.");
        var maxBody = Opt("--max-body-kb", 4096, "Largest request body accepted, in KiB (413 beyond).");
        var weights = new WeightsOption();
        var shutdown = Opt("--shutdown-timeout", 15, "Seconds requests under way may run on after Ctrl+C or SIGTERM before they are cancelled.");

        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API (chat completions, completions, models) with continuous batching.")
        {
            model, name, template, host, port, apiKey, slots, context, queue, maxBody, shutdown,
        };
        weights.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            var options = new ServerOptions
            {
                Weights = weights.Read(result),
                ModelDirectory = result.GetRequiredValue(model),
                ModelName = result.GetValue(name),
                Template = result.GetRequiredValue(template),
                Host = result.GetRequiredValue(host),
                Port = result.GetValue(port),
                ApiKey = result.GetValue(apiKey),
                Batching = new ContinuousBatcherOptions
                {
                    Slots = result.GetValue(slots), ContextLength = result.GetValue(context), MaxWaiting = result.GetValue(queue),
                },
                MaxBodyBytes = result.GetValue(maxBody) * 1024L,
                ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(shutdown))),
            };
            using var cpu = common.CreateCpu(result);
            return Serve(options, cpu).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Serve(ServerOptions options, Engine.Compute.Cpu cpu)
    {
        await using var server = await RealmServer.StartAsync(options, cpu);
        var batcher = server.Batcher;
        Console.WriteLine($"serving '{server.Model.Name}' ({server.Model.Model.ParameterCount:N0} parameters, chat format {server.Model.Template.Name}) on {server.Address}");
        Console.WriteLine($"{batcher.Slots} slots × {batcher.ContextLength} tokens (KV cache {batcher.CacheBytes / (1024.0 * 1024):N0} MiB), "
            + $"queue {batcher.MaxWaiting}, {cpu}{(options.ApiKey != null ? ", API key required" : "")}; Ctrl+C stops");
        await server.WaitForShutdownAsync();
        Console.WriteLine($"stopped after {batcher.CompletedSequences:N0} completed sequences");
        return 0;
    }
}
