using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace Realm.Tests.Serving;

public class ServerErrorTests
{
    /// <summary>Asserts an OpenAI-shaped error: the status and {"error": {"message", "type", "param", "code"}}.</summary>
    private static async Task<JsonElement> AssertError(HttpResponseMessage response, HttpStatusCode status, string type, string? param, string? code)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["error"], root.EnumerateObject().Select(p => p.Name));
        var error = root.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        return error;
    }

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task BadRequestsGetOpenAiErrorsWithTheirStatus()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir), maxBodyBytes: 8 * 1024);
        var http = server.Http;
        string model = server.ModelName;
        await AssertError(await http.PostAsync("/v1/chat/completions", Raw("{\"model\": \"plain-model\", \"messages\": [")),
            HttpStatusCode.BadRequest, "invalid_request_error", null, null);
        await AssertError(await http.PostAsync("/v1/chat/completions", Raw("[1, 2]")), HttpStatusCode.BadRequest, "invalid_request_error", null, null);
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-4o", messages = new[] { new { role = "user", content = "hi" } } }),
            HttpStatusCode.NotFound, "invalid_request_error", "model", "model_not_found");
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } }),
            HttpStatusCode.BadRequest, "invalid_request_error", "model", null);
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model }),
            HttpStatusCode.BadRequest, "invalid_request_error", "messages", null);
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "tool", content = "hi" } } }),
            HttpStatusCode.BadRequest, "invalid_request_error", "messages[0].role", "invalid_value");
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model, temperature = 3, messages = new[] { new { role = "user", content = "hi" } } }),
            HttpStatusCode.BadRequest, "invalid_request_error", "temperature", "invalid_value");
        await AssertError(await http.PostAsJsonAsync("/v1/completions", new { model, prompt = "hi", stop = 5 }),
            HttpStatusCode.BadRequest, "invalid_request_error", "stop", "invalid_type");
        await AssertError(await http.PostAsJsonAsync("/v1/completions", new { model, prompt = "hi", n = 99 }),
            HttpStatusCode.BadRequest, "invalid_request_error", "n", "invalid_value");

        // The context is 2,048 tokens (bytes, for this model): a longer prompt, or room for fewer new tokens than asked.
        string longText = new('x', 3000);
        await AssertError(await http.PostAsJsonAsync("/v1/completions", new { model, prompt = longText[..2100] }),
            HttpStatusCode.BadRequest, "invalid_request_error", "prompt", "context_length_exceeded");
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model, max_tokens = 2000, messages = new[] { new { role = "user", content = longText[..100] } } }),
            HttpStatusCode.BadRequest, "invalid_request_error", "max_tokens", "context_length_exceeded");
        await AssertError(await http.PostAsJsonAsync("/v1/chat/completions", new { model, max_completion_tokens = 5000, messages = new[] { new { role = "user", content = "hi" } } }),
            HttpStatusCode.BadRequest, "invalid_request_error", "max_completion_tokens", "context_length_exceeded");

        // A body over the limit (8 KiB here), whether its length is declared or it is sent in chunks.
        await AssertError(await http.PostAsync("/v1/completions", Raw($"{{\"model\": \"{model}\", \"prompt\": \"{longText}{longText}{longText}\"}}")),
            HttpStatusCode.RequestEntityTooLarge, "invalid_request_error", null, "request_too_large");
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"prompt\": \"{longText}{longText}{longText}\"}}")));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await AssertError(await http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "invalid_request_error", null, "request_too_large");

        await AssertError(await http.GetAsync("/v1/embeddings"), HttpStatusCode.NotFound, "invalid_request_error", null, "unknown_url");

        // After all that, the server still answers.
        var ok = await http.PostAsJsonAsync("/v1/completions", new { model, prompt = "hi", max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task TheSdkSeesTheServersErrors()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => server.Chat(model: "gpt-4o").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("gpt-4o", unknown.Message);
    }

    [Fact]
    public async Task AnApiKeyGuardsTheApiButNotHealth()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir), apiKey: "sekrit");
        await AssertError(await server.Http.GetAsync("/v1/models"), HttpStatusCode.Unauthorized, "invalid_request_error", null, "invalid_api_key");
        var wrong = await Assert.ThrowsAsync<ClientResultException>(() => server.Chat(apiKey: "guess").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, wrong.Status);

        var reply = await server.Chat(apiKey: "sekrit").CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 3 }); // greedy: the same tokens every run
        Assert.Equal(3, reply.Value.Usage.OutputTokenCount);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task AFullQueueIsRefusedWith503AndRetryAfter()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreateSlow(dir), slots: 1, queue: 1);
        string model = server.ModelName;
        // Two long generations (seconds each, on this model) fill the slot and the queue; a third request is refused at once.
        using var leave = new CancellationTokenSource();
        var running = Enumerable.Range(0, 2)
            .Select(_ => server.Http.PostAsJsonAsync("/v1/completions", new { model, prompt = "a", max_tokens = 2000, temperature = 0 }, leave.Token)).ToArray();
        var batcher = server.Server.Batcher;
        Assert.True(SpinWait.SpinUntil(() => batcher.ActiveSequences + batcher.WaitingSequences == 2, TimeSpan.FromSeconds(30)));
        var refused = await server.Http.PostAsJsonAsync("/v1/completions", new { model, prompt = "b", max_tokens = 5 });
        await AssertError(refused, HttpStatusCode.ServiceUnavailable, "server_error", null, "server_overloaded");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);

        // The two clients give up (on a fast day the first may have finished): their sequences go, and the server takes work again.
        leave.Cancel();
        foreach (var response in running)
        {
            try
            {
                (await response).Dispose();
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.True(SpinWait.SpinUntil(() => batcher.ActiveSequences + batcher.WaitingSequences == 0, TimeSpan.FromSeconds(30)));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsJsonAsync("/v1/completions", new { model, prompt = "b", max_tokens = 5 })).StatusCode);
    }
}
