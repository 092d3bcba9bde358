using System.Text.Json;
using Realm.Engine.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Tests.Chat;

namespace Realm.Tests.Cli;

public class ChatCliTests
{
    private static string[] StatLines(string stderr) => stderr.Split('\n').Where(line => line.StartsWith('[') && line.Contains(" tokens, ")).ToArray();

    [Fact]
    public void AnswersEachPipedLineAsTheChatSessionDoesAndExitsCleanly()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateChatMl(dir);
        var r = RealmProcess.RunWithInput("Hello there!\nWhat is 2 + 3?\n/reset\n\nTell me a joke.\n/exit\nnever read\n",
            "chat", "--model", model, "--greedy", "--max-new-tokens", "8", "--system", "Be brief.");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(3, StatLines(r.Stderr).Length);
        Assert.Contains("(new conversation)", r.Stderr);
        Assert.DoesNotContain("error", r.Stderr);

        // The same conversation in-process, on the CPU realm gets (2 threads): the CLI must print exactly these replies, one per line.
        using var cpu = new Cpu(2, SimdSupport.FromEnvironment());
        using var llm = LlamaModel.Load(model, cpu);
        var tokenizer = TokenizerLoader.Load(model);
        var template = ChatTemplate.For(tokenizer, "tokenizer_config.json");
        using var session = new ChatSession(llm, tokenizer, template, new ChatSessionOptions
        {
            SystemPrompt = "Be brief.",
            Sampling = new SamplingRequest { Greedy = true, MaxNewTokens = 8 },
            StopTokens = SamplingDefaults.StopTokens(null, tokenizer, llm.Config),
        });
        string first = session.Send("Hello there!").Text, second = session.Send("What is 2 + 3?").Text;
        session.Reset();
        string third = session.Send("Tell me a joke.").Text;
        Assert.Equal($"{first}\n{second}\n{third}\n", r.Stdout);
    }

    [Fact]
    public void PlainModelsChatLineByLineUntilTheInputEnds()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreatePlain(dir);
        var r = RealmProcess.RunWithInput("2 + 3 =\n4 + 4 =", "chat", "--model", model, "--max-new-tokens", "5", "--seed", "3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, StatLines(r.Stderr).Length);
        Assert.Contains("of which 0 cached", StatLines(r.Stderr)[0]);
    }

    [Fact]
    public void BadFilesAndFlagsAreOneLineErrors()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreatePlain(dir);
        string generation = Path.Combine(model, GenerationConfig.FileName);

        File.WriteAllText(generation, "{\"temperature\": 0.7,");
        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", model), generation, "invalid JSON");
        File.WriteAllText(generation, "{\"temperature\": \"hot\"}");
        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", model), generation, "'temperature' must be a number");
        File.Delete(generation);

        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", model, "--temperature", "0"), "temperature must be > 0");
        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", model, "--template", "vicuna"), "unknown chat template 'vicuna'");

        string chatml = ChatModels.CreateChatMl(dir);
        string config = Path.Combine(chatml, "tokenizer_config.json");
        var json = JsonDocument.Parse(File.ReadAllText(config)).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        json["chat_template"] = ChatTemplateFixtures.Templates["mistral"].Jinja;
        File.WriteAllText(config, JsonSerializer.Serialize(json));
        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", chatml), config, "chat_template is not a format realm can render");
        var forced = RealmProcess.RunWithInput("hi\n", "chat", "--model", chatml, "--template", "chatml", "--max-new-tokens", "3");
        Assert.True(forced.ExitCode == 0, forced.Stderr);

        File.Delete(Path.Combine(model, "tokenizer.json"));
        RealmProcess.AssertUserError(RealmProcess.RunWithInput("hi\n", "chat", "--model", model), "no tokenizer.json");
    }

    [Fact]
    public void GenerateTakesDecodingDefaultsAndStopIdsFromGenerationConfig()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreatePlain(dir);
        int[] Ids(params string[] extra)
        {
            var r = RealmProcess.Run(["generate", "--model", model, "--prompt-ids", "256,50,43,51,61", "--json", .. extra]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }
        int[] greedy = Ids("--greedy", "--max-new-tokens", "6");
        Assert.Equal(6, greedy.Length); // this random model does not emit its EOS that soon

        // A file without do_sample decodes greedily, as transformers does; max_new_tokens comes from it too.
        string generation = Path.Combine(model, GenerationConfig.FileName);
        File.WriteAllText(generation, "{\"max_new_tokens\": 6, \"eos_token_id\": []}");
        Assert.Equal(greedy, Ids());
        Assert.Equal(greedy[..2], Ids("--max-new-tokens", "2"));

        // Its eos_token_id ends generation.
        File.WriteAllText(generation, $"{{\"max_new_tokens\": 6, \"eos_token_id\": [{greedy[2]}]}}");
        Assert.Equal(greedy[..(Array.IndexOf(greedy, greedy[2]) + 1)], Ids());
    }
}
