using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Server;

namespace Realm.Tests.Serving;

/// <summary>A realm server running in this process on a free loopback port, with OpenAI SDK and raw HTTP clients for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly Cpu _cpu;

    private TestServer(Cpu cpu, RealmServer server)
    {
        _cpu = cpu;
        Server = server;
        Http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public RealmServer Server { get; }
    public HttpClient Http { get; }
    public string ModelName => Server.Model.Name;
    public Uri ApiBase => new(Server.Address, "/v1");

    public static async Task<TestServer> StartAsync(string modelDirectory, int slots = 4, int queue = 16, string? apiKey = null, long maxBodyBytes = 64 * 1024,
        WeightsChoice weights = WeightsChoice.Auto)
    {
        var cpu = new Cpu(ServerOptions.DefaultThreads(), SimdSupport.Best); // as realm serve runs
        var server = await RealmServer.StartAsync(new ServerOptions
        {
            ModelDirectory = modelDirectory,
            Weights = weights,
            Host = "127.0.0.1",
            Port = 0,
            ApiKey = apiKey,
            MaxBodyBytes = maxBodyBytes,
            Batching = new ContinuousBatcherOptions { Slots = slots, ContextLength = ServingModels.Context, MaxWaiting = queue },
        }, cpu);
        return new TestServer(cpu, server);
    }

    /// <summary>An SDK chat client for this server (no SDK retries, so a test sees each error itself).</summary>
    public ChatClient Chat(string? model = null, string apiKey = "none") =>
        new(model ?? ModelName, new ApiKeyCredential(apiKey), new OpenAIClientOptions
        {
            Endpoint = ApiBase,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _cpu.Dispose();
    }
}
