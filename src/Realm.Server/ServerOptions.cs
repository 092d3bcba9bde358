using Realm.Engine.Generation;
using Realm.Engine.Model;

namespace Realm.Server;

/// <summary>What <c>realm serve</c> serves, where, and within which limits.</summary>
public sealed record ServerOptions
{
    public required string ModelDirectory { get; init; }
    /// <summary>The model id clients pass; default: the directory's name.</summary>
    public string? ModelName { get; init; }
    /// <summary>Chat format: auto (from tokenizer_config.json), none, chatml or llama3.</summary>
    public string Template { get; init; } = "auto";
    /// <summary>How the weights are held in memory: auto, bf16, q8 or f32 (<see cref="ModelWeights"/>).</summary>
    public WeightsChoice Weights { get; init; }
    /// <summary>Address to listen on; loopback unless asked otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one (see <see cref="RealmServer.Address"/>).</summary>
    public int Port { get; init; } = 8000;
    /// <summary>When set, /v1 requests need "Authorization: Bearer KEY".</summary>
    public string? ApiKey { get; init; }
    public ContinuousBatcherOptions Batching { get; init; } = new();
    /// <summary>Larger request bodies are refused with 413.</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;
    /// <summary>On shutdown, how long requests under way may run on before they are cancelled.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Threads for the model: REALM_THREADS, else every core but one. The kernels' threads wait for one
    /// another at the end of every kernel, so one preempted by the HTTP side stalls a whole decoding step:
    /// on 2 busy cores, 1 thread served 1.0-3.0 times as many tokens per second as 2 (docs/benchmarks.md).
    /// </summary>
    public static int DefaultThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable("REALM_THREADS"), out int n) && n > 0 ? n : Math.Max(1, Environment.ProcessorCount - 1);

    public void Validate()
    {
        Batching.Validate();
        if (Port is < 0 or > 65535) throw new RealmException($"--port must be in 0..65535, got {Port}");
        // Kestrel would take any other name as "every interface": never what someone who named a host meant.
        if (Host != "localhost" && !System.Net.IPAddress.TryParse(Host, out _))
            throw new RealmException($"--host must be an IP address (127.0.0.1, 0.0.0.0, ::1, ::) or localhost, got '{Host}'");
        if (MaxBodyBytes < 1024) throw new RealmException($"the body limit must be at least 1024 bytes, got {MaxBodyBytes}");
        if (ApiKey is { Length: 0 }) throw new RealmException("--api-key must not be empty");
    }
}
