using Realm.Engine.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Chat;

public class ChatSessionTests
{
    private static readonly SamplingRequest Greedy = new() { Greedy = true, MaxNewTokens = 8 };

    // What the model says to exactly these ids, decoded by a fresh batched generator.
    private static Completion Expected(LlamaModel model, int[] prompt, IReadOnlyList<int> stops)
    {
        using var generator = new Generator(model, maxBatch: 1, maxLength: 512);
        return generator.Generate([prompt], new SamplingOptions { Greedy = true, MaxNewTokens = 8, StopTokens = stops })[0];
    }

    [Fact]
    public void EachTurnReadsTheWholeRenderedConversationAndReusesTheCache()
    {
        using var dir = new TempDirectory();
        string path = ChatModels.CreateChatMl(dir);
        using var cpu = new Cpu(2, SimdSupport.Best);
        using var model = LlamaModel.Load(path, cpu);
        var tokenizer = TokenizerLoader.Load(path);
        var template = ChatTemplate.For(tokenizer, "tokenizer_config.json");
        int[] stops = template.EndOfTurnIds(tokenizer);
        using var session = new ChatSession(model, tokenizer, template, new ChatSessionOptions { Sampling = Greedy, SystemPrompt = "Be brief." });

        var pieces = new List<string>();
        var first = session.Send("Hello there!", pieces.Add);
        Assert.Equal(first.Text, string.Concat(pieces));
        ChatMessage system = new(ChatRole.System, "Be brief."), hello = new(ChatRole.User, "Hello there!");
        int[] firstPrompt = template.Encode(tokenizer, [system, hello], addGenerationPrompt: true);
        Assert.Equal(Expected(model, firstPrompt, stops).Tokens, first.Completion.Tokens);
        Assert.Equal(firstPrompt.Length, first.PromptTokens);

        var second = session.Send("What is 2 + 3?");
        ChatMessage[] conversation = [system, hello, new(ChatRole.Assistant, first.Text), new(ChatRole.User, "What is 2 + 3?")];
        Assert.Equal(conversation, session.Messages.Take(4));
        Assert.Equal(Expected(model, template.Encode(tokenizer, conversation, addGenerationPrompt: true), stops).Tokens, second.Completion.Tokens);
        Assert.True(second.ReusedTokens >= firstPrompt.Length, $"reused {second.ReusedTokens} of the first prompt's {firstPrompt.Length}");

        session.Reset();
        Assert.Equal([system], session.Messages);
        Assert.Equal(first.Completion.Tokens, session.Send("Hello there!").Completion.Tokens);
    }

    [Fact]
    public void PlainModelsReadBosAndLinesAndStopAtEos()
    {
        using var dir = new TempDirectory();
        string path = ChatModels.CreatePlain(dir);
        using var cpu = new Cpu(2, SimdSupport.Best);
        using var model = LlamaModel.Load(path, cpu);
        var tokenizer = TokenizerLoader.Load(path);
        var stops = SamplingDefaults.StopTokens(null, tokenizer, model.Config);
        using var session = new ChatSession(model, tokenizer, ChatTemplate.None, new ChatSessionOptions { Sampling = Greedy, StopTokens = stops });
        var reply = session.Send("2 + 3 =");
        Assert.Equal(Expected(model, tokenizer.EncodePrompt("2 + 3 =\n"), stops).Tokens, reply.Completion.Tokens);
        Assert.DoesNotContain(ByteTokenizer.EosToken, reply.Text);
    }

    [Fact]
    public void OldExchangesAreDroppedToFitTheContextAndAMessageTooLongIsRefused()
    {
        using var dir = new TempDirectory();
        string path = ChatModels.CreatePlain(dir);
        using var cpu = new Cpu(2, SimdSupport.Best);
        using var model = LlamaModel.Load(path, cpu);
        var tokenizer = TokenizerLoader.Load(path);
        var options = new ChatSessionOptions { Sampling = Greedy, SystemPrompt = "sys", ContextLength = 40 };
        using var session = new ChatSession(model, tokenizer, ChatTemplate.None, options);

        int dropped = 0;
        for (int i = 0; i < 6 && dropped == 0; i++) dropped = session.Send($"message {i}").DroppedMessages;
        Assert.True(dropped > 0, "no turn was dropped");
        Assert.Equal(ChatRole.System, session.Messages[0].Role);
        Assert.Equal(ChatRole.User, session.Messages[1].Role);
        Assert.DoesNotContain(session.Messages, m => m.Content == "message 0");

        var before = session.Messages.ToList();
        var error = Assert.Throws<RealmException>(() => session.Send(new string('x', 60)));
        Assert.Contains("exceeds the context of 40 tokens", error.Message);
        Assert.Equal(before, session.Messages);
    }
}
