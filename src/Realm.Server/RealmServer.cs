using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Realm.Engine.Compute;
using Realm.Engine.Generation;

namespace Realm.Server;

/// <summary>
/// An OpenAI-compatible HTTP server for one model (ASP.NET Core minimal APIs): GET /v1/models,
/// POST /v1/chat/completions, POST /v1/completions and GET /health, every generation running on one
/// <see cref="ContinuousBatcher"/>. On shutdown it stops taking requests (503), lets those under way
/// finish within <see cref="ServerOptions.ShutdownTimeout"/>, then cancels the rest.
/// </summary>
public sealed class RealmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _disposed;

    private RealmServer(WebApplication app, ServedModel model, ContinuousBatcher batcher, Uri address)
    {
        _app = app;
        Model = model;
        Batcher = batcher;
        Address = address;
    }

    public ServedModel Model { get; }
    public ContinuousBatcher Batcher { get; }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8000 (the real port when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>Loads the model and starts listening. A model or address problem is a RealmException.</summary>
    public static async Task<RealmServer> StartAsync(ServerOptions options, Cpu cpu)
    {
        options.Validate();
        var model = ServedModel.Load(options.ModelDirectory, cpu, options.ModelName, options.Template, options.Weights);
        var batcher = new ContinuousBatcher(model.Model, options.Batching);
        WebApplication? app = null;
        try
        {
            app = Build(options, model, batcher);
            try
            {
                await app.StartAsync();
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                throw new RealmException($"cannot listen on {options.Host}:{options.Port}: {e.Message}", e);
            }
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new RealmServer(app, model, batcher, new Uri(address));
        }
        catch
        {
            if (app != null) await app.DisposeAsync();
            batcher.Dispose();
            model.Dispose();
            throw;
        }
    }

    private static WebApplication Build(ServerOptions options, ServedModel model, ContinuousBatcher batcher)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{UrlHost(options.Host)}:{options.Port}");
        // The endpoints enforce MaxBodyBytes with a clean 413; Kestrel's own limit only stops a flood.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = Math.Max(8 * options.MaxBodyBytes, 64L << 20));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        var app = builder.Build();

        app.Use(ErrorResponses.Handle);
        if (options.ApiKey != null) app.Use(new ApiKeyCheck(options.ApiKey).Handle);
        app.Lifetime.ApplicationStopping.Register(batcher.StopAccepting);

        long started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var completions = new CompletionEndpoint(model, batcher, options);
        app.MapGet("/health", context => Json(context, Health(model, batcher, app.Lifetime.ApplicationStopping.IsCancellationRequested)));
        app.MapGet("/v1/models", context => Json(context, OpenAiJson.Models(model.Name, started)));
        app.MapPost("/v1/chat/completions", completions.HandleChatAsync);
        app.MapPost("/v1/completions", completions.HandleTextAsync);
        app.MapFallback(context => throw new ApiException(StatusCodes.Status404NotFound,
            $"Unknown request URL: {context.Request.Method} {context.Request.Path}.", "invalid_request_error", null, "unknown_url"));
        return app;
    }

    /// <summary>The server's state: "ok" or "stopping", and the batcher's occupancy (active is 0 when idle).</summary>
    private static JsonObject Health(ServedModel model, ContinuousBatcher batcher, bool stopping) => new()
    {
        ["status"] = stopping ? "stopping" : "ok",
        ["model"] = model.Name,
        ["slots"] = batcher.Slots,
        ["active"] = batcher.ActiveSequences,
        ["waiting"] = batcher.WaitingSequences,
        ["completed"] = batcher.CompletedSequences,
        ["context_length"] = batcher.ContextLength,
    };

    private static Task Json(HttpContext context, JsonObject body) =>
        context.Response.WriteAsJsonAsync(body, (JsonSerializerOptions?)null, context.RequestAborted);

    // "localhost" and names pass through; a bare IPv6 address needs brackets in a URL.
    private static string UrlHost(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    /// <summary>Completes when the host stops (Ctrl+C, SIGTERM, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Stops taking requests, lets those under way finish (up to the shutdown timeout), then cancels the rest.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
        Batcher.Dispose();
        Model.Dispose();
    }
}
