using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;
using RealmChat = Realm.Engine.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Serving;

public class ServerApiTests
{
    private static ChatCompletionOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task ServeWithQ8WeightsRepliesWhatTheQ8ModelGenerates()
    {
        using var dir = new TempDirectory();
        string model = ServingModels.CreatePlain(dir);
        await using var server = await TestServer.StartAsync(model, weights: WeightsChoice.Q8);
        var response = await server.Http.PostAsJsonAsync("/v1/completions", new { model = server.ModelName, prompt = "Hello", max_tokens = 10, temperature = 0 });
        response.EnsureSuccessStatusCode();
        string text = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;

        using var cpu = new Cpu(1, SimdSupport.Best);
        using var llm = ModelWeights.Load(WeightsChoice.Q8, model, cpu);
        var tokenizer = TokenizerLoader.Load(model);
        int[] stops = SamplingDefaults.StopTokens(null, tokenizer, llm.Config);
        using var generator = new Generator(llm, maxBatch: 1, maxLength: 256);
        var expected = generator.Generate([tokenizer.EncodePrompt("Hello")], new SamplingOptions { Greedy = true, MaxNewTokens = 10, StopTokens = stops })[0];
        Assert.Equal(tokenizer.DecodeForDisplay(expected.Tokens.Where(t => !stops.Contains(t)).ToArray()), text);
    }

    [Theory]
    [InlineData("chatml")]
    [InlineData("plain")]
    public async Task ChatCompletionsAreWhatTheModelGeneratesThroughItsChatTemplate(string kind)
    {
        using var dir = new TempDirectory();
        string model = kind == "chatml" ? ServingModels.CreateChatMl(dir) : ServingModels.CreatePlain(dir);
        await using var server = await TestServer.StartAsync(model);
        var chat = server.Chat();
        ChatMessage[] messages = [new SystemChatMessage("Be brief."), new UserChatMessage("Hello there! What is 2 + 3?")];

        ChatCompletion reply = (await chat.CompleteChatAsync(messages, Greedy(12))).Value;

        // The same generation in-process: the template's rendering, greedy, stopping at the template's end of turn or EOS.
        using var cpu = new Cpu(1, SimdSupport.Best);
        using var llm = LlamaModel.Load(model, cpu);
        var tokenizer = TokenizerLoader.Load(model);
        var template = RealmChat.ChatTemplate.For(tokenizer, "tokenizer_config.json");
        int[] prompt = template.Encode(tokenizer, [new(RealmChat.ChatRole.System, "Be brief."), new(RealmChat.ChatRole.User, "Hello there! What is 2 + 3?")], addGenerationPrompt: true);
        int[] stops = [.. SamplingDefaults.StopTokens(null, tokenizer, llm.Config).Concat(template.EndOfTurnIds(tokenizer))];
        using var generator = new Generator(llm, maxBatch: 1, maxLength: 256);
        var expected = generator.Generate([prompt], new SamplingOptions { Greedy = true, MaxNewTokens = 12, StopTokens = stops })[0];

        Assert.Equal(tokenizer.DecodeForDisplay(expected.Tokens.Where(t => !stops.Contains(t) && !tokenizer.IsSpecial(t)).ToArray()), reply.Content[0].Text);
        Assert.Equal(expected.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length, reply.FinishReason);
        Assert.Equal(prompt.Length, reply.Usage.InputTokenCount);
        Assert.Equal(expected.Tokens.Length, reply.Usage.OutputTokenCount);
        Assert.Equal(prompt.Length + expected.Tokens.Length, reply.Usage.TotalTokenCount);
        Assert.Equal(server.ModelName, reply.Model);
        Assert.Equal(ChatMessageRole.Assistant, reply.Role);
    }

    [Fact]
    public async Task StreamedDeltasAddUpToTheNonStreamedReply()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreateChatMl(dir));
        var chat = server.Chat();
        ChatMessage[] messages = [new UserChatMessage("Tell me a joke, please.")];
        var whole = (await chat.CompleteChatAsync(messages, Greedy(20))).Value;

        var options = Greedy(20); // the SDK asks for usage in the stream itself (stream_options.include_usage)
        var deltas = new List<string>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            deltas.AddRange(update.ContentUpdate.Select(part => part.Text));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.True(deltas.Count > 1, "the reply should arrive in several pieces");
        Assert.Equal(whole.Content[0].Text, string.Concat(deltas));
        Assert.Equal(whole.FinishReason, finish);
        Assert.Equal(whole.Usage.OutputTokenCount, usage!.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task NChoicesAreSampledIndependentlyAndASeedRepeatsThem()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));
        async Task<JsonElement> Ask(long seed)
        {
            var response = await server.Http.PostAsJsonAsync("/v1/chat/completions", new
            {
                model = server.ModelName, n = 3, seed, temperature = 1.0, max_tokens = 16,
                messages = new[] { new { role = "user", content = "2 + 3 =" } },
            });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }
        static string[] Texts(JsonElement body) => [.. body.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()!)];

        var first = await Ask(42);
        Assert.Equal([0, 1, 2], first.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        var texts = Texts(first);
        Assert.Equal(3, texts.Distinct().Count());
        Assert.Equal(texts, Texts(await Ask(42)));
        Assert.NotEqual(texts, Texts(await Ask(43)));
        var usage = first.GetProperty("usage");
        Assert.Equal(48, usage.GetProperty("completion_tokens").GetInt32()); // 3 × 16: this random model does not stop early

        // Streamed, the choices' deltas interleave; each index adds up to its choice.
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = server.ModelName, n = 3, seed = 42, temperature = 1.0, max_tokens = 16, stream = true,
                messages = new[] { new { role = "user", content = "2 + 3 =" } },
            }),
        };
        string events = await (await server.Http.SendAsync(request)).Content.ReadAsStringAsync();
        var chunks = events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).SkipLast(1)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0]).ToList();
        var streamed = new string[3];
        foreach (var choice in chunks)
        {
            int index = choice.GetProperty("index").GetInt32();
            if (choice.GetProperty("delta").TryGetProperty("content", out var content)) streamed[index] += content.GetString();
        }
        Assert.Equal(texts, streamed);
        Assert.Equal(3, chunks.Count(c => c.GetProperty("finish_reason").GetString() == "length"));
    }

    [Fact]
    public async Task StopSequencesEndTheReplyBeforeThemInBothModes()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir));
        var chat = server.Chat();
        ChatMessage[] messages = [new UserChatMessage("Hello")];
        string full = (await chat.CompleteChatAsync(messages, Greedy(24))).Value.Content[0].Text;
        // A stop sequence taken from the middle of the free-running reply.
        string stop = full.Substring(full.Length / 2, 2);
        int cut = full.IndexOf(stop, StringComparison.Ordinal);

        var options = Greedy(24);
        options.StopSequences.Add(stop);
        var stopped = (await chat.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(full[..cut], stopped.Content.Count == 0 ? "" : stopped.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.True(stopped.Usage.OutputTokenCount < 24);

        var streamed = new List<string>();
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options)) streamed.AddRange(update.ContentUpdate.Select(p => p.Text));
        Assert.Equal(full[..cut], string.Concat(streamed));
    }

    [Fact]
    public async Task CompletionsContinueThePromptAsRealmGenerateDoes()
    {
        using var dir = new TempDirectory();
        string model = ServingModels.CreatePlain(dir);
        await using var server = await TestServer.StartAsync(model);
        var response = await server.Http.PostAsJsonAsync("/v1/completions", new { model = server.ModelName, prompt = "Once upon", max_tokens = 10, temperature = 0 });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("text_completion", body.GetProperty("object").GetString());

        var cli = Cli.RealmProcess.Run("generate", "--model", model, "--prompt-ids", "256," + string.Join(',', "Once upon".Select(c => (int)c)),
            "--greedy", "--max-new-tokens", "10", "--json");
        int[] ids = [.. JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(new ByteTokenizer().DecodeForDisplay(ids), body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(10, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(10, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32()); // BOS + 9 bytes

        // Streamed: text_completion chunks, each with one choice, then [DONE].
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = server.ModelName, prompt = "Once upon", max_tokens = 10, temperature = 0, stream = true }),
        };
        var streamed = await server.Http.SendAsync(request);
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType!.MediaType);
        var events = (await streamed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToArray();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Equal(body.GetProperty("choices")[0].GetProperty("text").GetString(), string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ModelsAndHealthDescribeTheServer()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(ServingModels.CreatePlain(dir), slots: 3);
        var models = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/models")).RootElement;
        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal("plain-model", models.GetProperty("data")[0].GetProperty("id").GetString());

        var health = JsonDocument.Parse(await server.Http.GetStringAsync("/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(3, health.GetProperty("slots").GetInt32());
        Assert.Equal(0, health.GetProperty("active").GetInt32());
        Assert.Equal(ServingModels.Context, health.GetProperty("context_length").GetInt32());
    }
}
