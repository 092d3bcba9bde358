using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;

namespace Realm.Tests.Teacher;

/// <summary>
/// A fake OpenAI-compatible teacher on loopback (a small ASP.NET Core app). A request's reply depends only
/// on its question and seed: the domain expert's route for even seeds, a corrupted (wrong) route for odd
/// ones, with fixed usage counts. With faults on, most requests first fail in one of several ways: 429
/// (with retry-after-ms), 500, 503 (with Retry-After: 0), the connection dropped before or in the middle of
/// the reply, no reply until the client gives up, or a slow reply that still comes.
/// </summary>
public sealed class FaultyTeacher : IAsyncDisposable
{
    public const int PromptTokens = 100, CompletionTokens = 20;

    private enum Fault { None, TooManyRequests, ServerError, Unavailable, DropBeforeReply, DropMidReply, NeverAnswer, SlowReply }

    private readonly WebApplication _app;
    private readonly Dictionary<string, Problem> _byQuestion;
    private readonly IDomain _domain;
    private readonly bool _faults;
    private readonly TimeSpan _delay;
    private readonly ConcurrentDictionary<(string Question, long Seed), int> _attempts = new();
    private int _injected;

    private FaultyTeacher(WebApplication app, IEnumerable<Problem> problems, IDomain domain, bool faults, TimeSpan delay)
    {
        _app = app;
        _byQuestion = problems.ToDictionary(p => p.Question);
        _domain = domain;
        _faults = faults;
        _delay = delay;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Failures injected so far (each costs the client one retry).</summary>
    public int InjectedFaults => Volatile.Read(ref _injected);

    /// <summary>Requests received for a problem, every attempt counted.</summary>
    public int Requests(Problem problem) => _attempts.Where(a => a.Key.Question == problem.Question).Sum(a => a.Value);

    /// <summary>The seeds a problem was asked with (one per route).</summary>
    public long[] Seeds(Problem problem) => [.. _attempts.Keys.Where(k => k.Question == problem.Question).Select(k => k.Seed)];

    /// <param name="delay">How long every reply takes (zero: at once), so that a run lasts long enough to be killed.</param>
    public static async Task<FaultyTeacher> StartAsync(IEnumerable<Problem> problems, IDomain domain, bool faults, TimeSpan delay = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var teacher = new FaultyTeacher(app, problems, domain, faults, delay);
        app.MapPost("/v1/chat/completions", teacher.HandleAsync);
        await app.StartAsync();
        teacher.Endpoint = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/v1");
        return teacher;
    }

    /// <summary>The route the teacher writes for a problem and seed, whatever the faults.</summary>
    public string RouteFor(Problem problem, long seed)
    {
        if (seed % 2 == 0) return _domain.Solve(problem).Text;
        var rng = new SplitMix64((ulong)seed);
        foreach (var kind in Enum.GetValues<ErrorKind>())
            if (_domain.Corrupt(problem, kind, ref rng) is { } wrong) return wrong.Text;
        return "1. R1: I give up\nAnswer: none";
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        string user = body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
        var problem = _byQuestion[user["Question: ".Length..]];
        long seed = body["seed"]!.GetValue<long>();
        int attempt = _attempts.AddOrUpdate((problem.Question, seed), 1, (_, n) => n + 1);

        string reply = Reply(body["model"]!.GetValue<string>(), RouteFor(problem, seed));
        var fault = FaultFor(problem.Question, seed, attempt);
        if (fault is not (Fault.None or Fault.SlowReply)) Interlocked.Increment(ref _injected);
        switch (fault)
        {
            case Fault.TooManyRequests:
                context.Response.Headers["retry-after-ms"] = "10";
                await Error(context, 429, "Rate limit reached; slow down.", "rate_limit_exceeded");
                return;
            case Fault.ServerError:
                await Error(context, 500, "The server had an error while processing your request.", null);
                return;
            case Fault.Unavailable:
                context.Response.Headers.RetryAfter = "0";
                await Error(context, 503, "The engine is currently overloaded.", null);
                return;
            case Fault.DropBeforeReply:
                context.Abort();
                return;
            case Fault.DropMidReply:
                byte[] bytes = Encoding.UTF8.GetBytes(reply);
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            case Fault.NeverAnswer:
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            case Fault.SlowReply:
                await Task.Delay(50);
                break;
        }
        if (_delay > TimeSpan.Zero) await Task.Delay(_delay, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply);
    }

    // Most requests fail once, a few twice (the second time as a 429), then succeed; the same request always meets the same faults.
    private Fault FaultFor(string question, long seed, int attempt)
    {
        if (!_faults) return Fault.None;
        int kind = (int)((Fnv(question) * 0x9E3779B97F4A7C15UL ^ (ulong)seed) % 8);
        return attempt switch
        {
            1 => (Fault)kind,
            2 when kind == (int)Fault.ServerError => Fault.TooManyRequests,
            _ => Fault.None,
        };
    }

    private static ulong Fnv(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    private static string Reply(string model, string text) => new JsonObject
    {
        ["id"] = "chatcmpl-fake",
        ["object"] = "chat.completion",
        ["created"] = 1700000000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = CompletionTokens, ["total_tokens"] = PromptTokens + CompletionTokens },
    }.ToJsonString();

    private static async Task Error(HttpContext context, int status, string message, string? code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["param"] = null, ["code"] = code },
        }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
