namespace Realm.Teacher;

/// <summary>Where the teacher is and how <see cref="TeacherCollector"/> asks it.</summary>
public sealed record TeacherOptions
{
    /// <summary>The OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (a URL without a path gets /v1).</summary>
    public required Uri Endpoint { get; init; }
    public required string Model { get; init; }
    /// <summary>Sent as a bearer token; local servers usually ignore it.</summary>
    public string ApiKey { get; init; } = "none";
    /// <summary>Routes asked for per problem (one request each).</summary>
    public int Routes { get; init; } = 4;
    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = 4;
    /// <summary>The domain whose rulebook guides the teacher and whose verifier labels the routes; default: each problem's own.</summary>
    public string? Domain { get; init; }
    public float Temperature { get; init; } = 0.8f;
    public int MaxTokens { get; init; } = 512;
    /// <summary>Seeds of a problem's requests derive from it, so a rerun asks the same questions.</summary>
    public long Seed { get; init; }
    /// <summary>One attempt's limit; a slower reply is abandoned and retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Retries of one request (429, 5xx, timeouts, dropped connections) before the run stops.</summary>
    public int MaxRetries { get; init; } = 8;
    /// <summary>First backoff; it doubles per retry (with jitter) up to <see cref="MaxRetryDelay"/>, unless the server sends Retry-After.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    public void Validate()
    {
        if (Routes < 1) throw new RealmException($"--routes must be at least 1, got {Routes}");
        if (Concurrency < 1) throw new RealmException($"--concurrency must be at least 1, got {Concurrency}");
        if (MaxTokens < 1) throw new RealmException($"--max-tokens must be at least 1, got {MaxTokens}");
        if (!(Temperature is >= 0 and <= 2)) throw new RealmException($"--temperature must be in 0..2, got {Temperature}");
        if (MaxRetries < 0) throw new RealmException($"--max-retries must be 0 or more, got {MaxRetries}");
        if (Timeout <= TimeSpan.Zero) throw new RealmException("--timeout must be positive");
        if (Endpoint.Scheme is not ("http" or "https")) throw new RealmException($"--endpoint must be an http or https URL, got {Endpoint}");
    }
}
