using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Polly;
using Polly.Retry;

namespace Realm.Teacher;

/// <summary>
/// Asks an OpenAI-compatible endpoint for one route at a time with the official OpenAI SDK. Failures that
/// pass (429, 408, 5xx, timeouts, dropped connections) are retried with exponential backoff and jitter,
/// waiting what the server's Retry-After asks when it sends one; other errors (a wrong key, an unknown
/// model) stop at once as a RealmException naming the endpoint.
/// </summary>
public sealed class TeacherClient
{
    private readonly ChatClient _chat;
    private readonly TeacherOptions _options;
    private readonly ResiliencePipeline _retry;
    private long _retries;

    public TeacherClient(TeacherOptions options)
    {
        _options = options;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = WithApiPath(options.Endpoint),
            NetworkTimeout = options.Timeout,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retries are ours, with Retry-After and our limits
        };
        _chat = new ChatClient(options.Model, new ApiKeyCredential(options.ApiKey), clientOptions);
        _retry = options.MaxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
            MaxRetryAttempts = options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.MaxRetryDelay,
            // The server's Retry-After wins over the backoff, within MaxRetryDelay.
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception) is { } wait
                ? (TimeSpan?)(wait < options.MaxRetryDelay ? wait : options.MaxRetryDelay) : null),
            OnRetry = _ =>
            {
                Interlocked.Increment(ref _retries);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    /// <summary>Requests retried so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>One completion of the conversation; <paramref name="seed"/> makes a rerun ask the same.</summary>
    public async Task<TeacherReply> AskAsync(string system, string user, long seed, CancellationToken cancel)
    {
        ChatMessage[] messages = [new SystemChatMessage(system), new UserChatMessage(user)];
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK; every OpenAI-compatible server reads it
        var request = new ChatCompletionOptions { Temperature = _options.Temperature, MaxOutputTokenCount = _options.MaxTokens, Seed = seed };
#pragma warning restore OPENAI001
        try
        {
            ChatCompletion completion = (await _retry.ExecuteAsync(
                async token => await _chat.CompleteChatAsync(messages, request, token), cancel)).Value;
            string text = string.Concat(completion.Content.Where(part => part.Kind == ChatMessageContentPartKind.Text).Select(part => part.Text));
            return new TeacherReply(text, completion.Usage?.InputTokenCount ?? 0, completion.Usage?.OutputTokenCount ?? 0);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && e is ClientResultException or HttpRequestException or IOException or OperationCanceledException)
        {
            string why = e is ClientResultException { Status: > 0 } api ? $"HTTP {api.Status}: {ServerMessage(api) ?? FirstLine(e.Message)}" : FirstLine(e.Message);
            string tries = IsTransient(e, cancel) ? $" (after {_options.MaxRetries} {(_options.MaxRetries == 1 ? "retry" : "retries")})" : "";
            throw new RealmException($"{_options.Endpoint}: {why}{tries}", e);
        }
        // The SDK reads a body that is not JSON as a JsonException, and a completion without choices as an index out of range.
        catch (Exception e) when (!cancel.IsCancellationRequested && e is JsonException or ArgumentOutOfRangeException)
        {
            throw new RealmException($"{_options.Endpoint}: the reply is not an OpenAI chat completion ({FirstLine(e.Message)})", e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];

    // OpenAI-compatible servers say what was wrong in {"error": {"message": ...}}.
    private static string? ServerMessage(ClientResultException error)
    {
        try
        {
            using var body = JsonDocument.Parse(error.GetRawResponse()?.Content ?? BinaryData.Empty);
            return body.RootElement.TryGetProperty("error", out var detail) && detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // 408, 429 and 5xx may pass; so may a connection that dropped (status 0) or an attempt that timed out.
    private static bool IsTransient(Exception e, CancellationToken cancel) => e switch
    {
        ClientResultException api => api.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or IOException => true,
        OperationCanceledException => !cancel.IsCancellationRequested,
        _ => false,
    };

    /// <summary>The wait a 429 or 503 asks for (Retry-After in seconds or as a date, or retry-after-ms), or null for the backoff.</summary>
    internal static TimeSpan? RetryAfter(Exception? error)
    {
        if (error is not ClientResultException api || api.GetRawResponse() is not { } response) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out string? ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds) && milliseconds >= 0)
            return TimeSpan.FromMilliseconds(milliseconds);
        if (!response.Headers.TryGetValue("Retry-After", out string? value) || value == null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    // OpenAI base URLs end in /v1; a bare host:port (as people often give a local server) gets it added.
    private static Uri WithApiPath(Uri endpoint) =>
        endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1") : endpoint;
}
