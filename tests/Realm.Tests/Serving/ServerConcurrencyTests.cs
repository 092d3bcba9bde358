using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;

namespace Realm.Tests.Serving;

public class ServerConcurrencyTests
{
    private sealed record Answer(string Text, string Finish);

    // Chat and completion requests, streamed or not, with different prompts and lengths: what one client asks.
    private static async Task<Answer> Ask(TestServer server, int i)
    {
        int maxTokens = 6 + 5 * (i % 7);
        if (i % 2 == 0)
        {
            var chat = server.Chat();
            ChatMessage[] messages = [new UserChatMessage($"Client {i} asks: what is {i} + {i % 5}?")];
            var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = maxTokens };
            if (i % 4 == 0)
            {
                var reply = (await chat.CompleteChatAsync(messages, options)).Value;
                return new Answer(reply.Content.Count == 0 ? "" : reply.Content[0].Text, reply.FinishReason.ToString());
            }
            var text = new List<string>();
            ChatFinishReason? finish = null;
            await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
            {
                text.AddRange(update.ContentUpdate.Select(p => p.Text));
                finish ??= update.FinishReason;
            }
            return new Answer(string.Concat(text), finish.ToString()!);
        }
        var response = await server.Http.PostAsJsonAsync("/v1/completions",
            new { model = server.ModelName, prompt = $"Document {i}: once upon a time", max_tokens = maxTokens, temperature = 0 });
        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        return new Answer(choice.GetProperty("text").GetString()!, choice.GetProperty("finish_reason").GetString()!);
    }

    [Theory]
    [InlineData("chatml")]
    [InlineData("plain")]
    public async Task SixteenConcurrentClientsGetWhatSerialRequestsGet(string kind)
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(kind == "chatml" ? ServingModels.CreateChatMl(dir) : ServingModels.CreatePlain(dir), slots: 6, queue: 16);
        var serial = new List<Answer>();
        for (int i = 0; i < 16; i++) serial.Add(await Ask(server, i));

        // All at once: more clients than slots, so requests also wait and join the running batch.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Ask(server, i))));
        Assert.Equal(serial, concurrent);
        Assert.True(serial.Select(a => a.Text).Distinct().Count() > 8, "the prompts should lead to different replies");
        Assert.Equal(0, server.Server.Batcher.ActiveSequences);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AClientThatDisconnectsMidReplyFreesItsSlot(bool stream)
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreateSlow(dir), slots: 2);
        var batcher = server.Server.Batcher;
        var chat = server.Chat();

        // A long reply (seconds on this model) that the client leaves: streamed, after its first chunks; not
        // streamed, while it is generated. Without draining, closing the response closes the connection at
        // once (HttpClient would read on to reuse it).
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.Server.Address };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = server.ModelName, stream, temperature = 0, max_tokens = 1900, ignore_eos = true,
                messages = new[] { new { role = "user", content = "Write a long story." } },
            }),
        };
        using var leave = new CancellationTokenSource();
        var sent = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
        if (stream)
        {
            using var response = await sent;
            var events = new StreamReader(await response.Content.ReadAsStreamAsync());
            for (int i = 0; i < 3; i++)
            {
                Assert.StartsWith("data: ", await events.ReadLineAsync());
                await events.ReadLineAsync(); // the blank line that ends an event
            }
            Assert.Equal(1, batcher.ActiveSequences);
        }
        else
        {
            Assert.True(SpinWait.SpinUntil(() => batcher.ActiveSequences == 1, TimeSpan.FromSeconds(20)), "the request did not start");
            leave.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);
        }
        Assert.True(SpinWait.SpinUntil(() => batcher.ActiveSequences == 0, TimeSpan.FromSeconds(20)), "the slot was not freed");
        Assert.Equal(0, batcher.CompletedSequences); // cancelled, not run to its end

        var health = JsonDocument.Parse(await server.Http.GetStringAsync("/health")).RootElement;
        Assert.Equal(0, health.GetProperty("active").GetInt32());
        var later = await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 4 }); // greedy: the same tokens every run
        Assert.Equal(4, later.Value.Usage.OutputTokenCount);
        Assert.Equal(1, batcher.CompletedSequences);
    }
}
