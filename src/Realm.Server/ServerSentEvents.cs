using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Realm.Server;

/// <summary>
/// Writes a response as server-sent events, one <c>data: JSON</c> event at a time, each flushed at once.
/// Choices of one request stream concurrently, so writes are serialised.
/// </summary>
internal sealed class ServerSentEvents(HttpContext context)
{
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");
    private readonly SemaphoreSlim _write = new(1, 1);

    public async Task StartAsync()
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted);
    }

    public Task WriteAsync(JsonObject data) => WriteRawAsync(Encoding.UTF8.GetBytes("data: " + data.ToJsonString() + "\n\n"));

    public Task WriteDoneAsync() => WriteRawAsync(Done);

    private async Task WriteRawAsync(byte[] bytes)
    {
        await _write.WaitAsync(context.RequestAborted);
        try
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        finally
        {
            _write.Release();
        }
    }
}
