using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Realm.Tests.Cli;

namespace Realm.Tests.Serving;

public class ModelDirectoryTests
{
    [Fact]
    public async Task ServesTheDirectoryRealmTrainLmWrites()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("corpus.txt"), string.Concat(Enumerable.Range(0, 200).Select(i => $"{i} + {i % 7} = {i + i % 7}. ")));
        string model = dir.File("lm");
        var train = RealmProcess.Run("train-lm", "--data", dir.File("corpus.txt"), "--out", model, "--dim", "32", "--layers", "1", "--heads", "2",
            "--kv-heads", "1", "--ffn", "64", "--steps", "2", "--seq", "64", "--batch", "2", "--eval-every", "100");
        Assert.True(train.ExitCode == 0, train.Stderr);

        await using var server = await TestServer.StartAsync(model);
        Assert.Equal("lm", server.ModelName);
        Assert.Equal(64, server.Server.Batcher.ContextLength); // the model's max_position_embeddings, from --seq

        var reply = await server.Http.PostAsJsonAsync("/v1/chat/completions",
            new { model = "lm", max_tokens = 8, temperature = 0, ignore_eos = true, messages = new[] { new { role = "user", content = "3 + 3 =" } } });
        Assert.True(reply.StatusCode == HttpStatusCode.OK, await reply.Content.ReadAsStringAsync());
        var usage = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        Assert.Equal(8, usage.GetProperty("completion_tokens").GetInt32());

        var tooLong = await server.Http.PostAsJsonAsync("/v1/completions", new { model = "lm", prompt = new string('7', 70) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("maximum context length is 64 tokens", await tooLong.Content.ReadAsStringAsync());
    }
}
