using System.Globalization;
using Realm.Engine.Chat;
using Realm.Engine.Tokenizers;
using Realm.Tests.Tokenizers;

namespace Realm.Tests.Chat;

public class ChatTemplateTests
{
    public static TheoryData<string> TemplateNames() => [.. ChatTemplateFixtures.Templates.Keys];

    public static TheoryData<string> RenderedTemplateNames() =>
        [.. ChatTemplateFixtures.Templates.Values.Where(t => t.Family != "unrecognised").Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void RealTemplatesAreRecognisedAsTheirFamilyOrRefused(string name)
    {
        var entry = ChatTemplateFixtures.Templates[name];
        if (entry.Family == "unrecognised")
        {
            var error = Assert.Throws<RealmException>(() => ChatTemplateFixtures.Detect(name));
            Assert.Contains($"fixture {name}", error.Message);
            Assert.Contains("chat_template is not a format realm can render", error.Message);
        }
        else Assert.Equal(entry.Family, ChatTemplateFixtures.Detect(name).Name);
    }

    [Theory]
    [MemberData(nameof(RenderedTemplateNames))]
    public void RendersExactlyWhatHuggingFaceJinjaRenders(string name)
    {
        var template = ChatTemplateFixtures.Detect(name);
        var variables = ChatTemplateFixtures.Templates[name].Variables;
        var renderings = ChatTemplateFixtures.Renderings.Where(r => r.Template == name).ToList();
        Assert.Equal(2 * ChatTemplateFixtures.Conversations.Count, renderings.Count);
        foreach (var expected in renderings)
        {
            string actual = template.Render(ChatTemplateFixtures.Conversations[expected.Conversation], expected.AddGenerationPrompt, variables);
            Assert.True(expected.Text == actual,
                $"{name}, {expected.Conversation}, add_generation_prompt={expected.AddGenerationPrompt}:\nexpected {Show(expected.Text)}\nactual   {Show(actual)}");
        }
    }

    [Fact]
    public void VariantsAreReadFromTheTemplateString()
    {
        var qwen2 = Assert.IsType<ChatMlTemplate>(ChatTemplateFixtures.Detect("qwen2"));
        Assert.Equal("You are a helpful assistant.", qwen2.DefaultSystemPrompt);
        var qwen25 = Assert.IsType<ChatMlTemplate>(ChatTemplateFixtures.Detect("qwen2.5"));
        Assert.Equal("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", qwen25.DefaultSystemPrompt);
        Assert.False(qwen25.SeparatesReasoning);
        var qwen3 = Assert.IsType<ChatMlTemplate>(ChatTemplateFixtures.Detect("qwen3"));
        Assert.Null(qwen3.DefaultSystemPrompt);
        Assert.True(qwen3.SeparatesReasoning);
        Assert.Equal("<|begin_of_text|>", Assert.IsType<ChatMlTemplate>(ChatTemplateFixtures.Detect("hermes3")).BosToken);

        var llama3 = Assert.IsType<Llama3ChatTemplate>(ChatTemplateFixtures.Detect("llama3"));
        Assert.True(llama3.AlwaysAddsGenerationPrompt);
        Assert.Null(llama3.DateHeader);
        var instruct = Assert.IsType<Llama3ChatTemplate>(ChatTemplateFixtures.Detect("llama3-instruct"));
        Assert.False(instruct.AlwaysAddsGenerationPrompt);
        Assert.Equal(new Llama3DateHeader("December 2023", "26 Jul 2024"), Assert.IsType<Llama3ChatTemplate>(ChatTemplateFixtures.Detect("llama3.1")).DateHeader);
        Assert.Equal(new Llama3DateHeader("December 2023", null), Assert.IsType<Llama3ChatTemplate>(ChatTemplateFixtures.Detect("llama3.2")).DateHeader);
    }

    [Fact]
    public void Llama32ShowsTodaysDateUnlessGivenOne()
    {
        var template = ChatTemplateFixtures.Detect("llama3.2");
        ChatMessage[] messages = [new(ChatRole.User, "Hi")];
        string before = DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        string text = template.Render(messages, addGenerationPrompt: true);
        string after = DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        Assert.True(text.Contains($"Today Date: {before}\n\n") || text.Contains($"Today Date: {after}\n\n"), text);
        Assert.Contains("Today Date: 01 Feb 2025\n\n", template.Render(messages, true, new ChatTemplateVariables { DateString = "01 Feb 2025" }));
    }

    [Fact]
    public void EnableThinkingOnlyChangesTemplatesThatReadIt()
    {
        ChatMessage[] messages = [new(ChatRole.User, "Hi")];
        var noThinking = new ChatTemplateVariables { EnableThinking = false };
        var qwen3 = ChatTemplateFixtures.Detect("qwen3");
        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", qwen3.Render(messages, true, noThinking));
        Assert.EndsWith("<|im_start|>assistant\n", qwen3.Render(messages, true));
        var qwen25 = ChatTemplateFixtures.Detect("qwen2.5");
        Assert.Equal(qwen25.Render(messages, true), qwen25.Render(messages, true, noThinking));
    }

    [Fact]
    public void TrimFollowsPythonWhereJavaScriptDiffers()
    {
        // transformers renders with Python's Jinja: str.strip() removes the separators U+001C-U+001F
        // (JavaScript's trim keeps them) and keeps U+FEFF (JavaScript's trim removes it).
        var llama = ChatTemplateFixtures.Detect("llama3-instruct");
        string text = llama.Render([new ChatMessage(ChatRole.User, "\u001c\u2003 hi \ufeff\u001f")], addGenerationPrompt: false);
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi \ufeff<|eot_id|>", text);
    }

    [Fact]
    public void TokenizersGiveTheirTemplates()
    {
        string source = "tokenizer_config.json";
        var qwen3 = Assert.IsType<ChatMlTemplate>(ChatTemplate.For(TokenizerFixtures.Load("qwen3"), source));
        Assert.True(qwen3.SeparatesReasoning);
        var llama3 = Assert.IsType<Llama3ChatTemplate>(ChatTemplate.For(TokenizerFixtures.Load("llama3"), source));
        Assert.Equal("<|begin_of_text|>", llama3.BosToken);
        Assert.Same(ChatTemplate.None, ChatTemplate.For(TokenizerFixtures.Load("trained"), source));
        Assert.Same(ChatTemplate.None, ChatTemplate.For(new ByteTokenizer(), source));
        Assert.Same(ChatTemplate.None, ChatTemplate.Detect("  ", null, source));
    }

    [Fact]
    public void EncodingKeepsTheTemplatesSpecialTokensAndAddsNoSecondBos()
    {
        var tokenizer = TokenizerFixtures.Load("llama3");
        var template = ChatTemplate.For(tokenizer, "tokenizer_config.json");
        int[] ids = template.Encode(tokenizer, [new ChatMessage(ChatRole.User, "Hi")], addGenerationPrompt: true);
        Assert.Equal(tokenizer.BosId, ids[0]);
        Assert.NotEqual(tokenizer.BosId, ids[1]);
        Assert.Equal([128009], template.EndOfTurnIds(tokenizer));
        Assert.Contains(128009, ids);

        var qwen = TokenizerFixtures.Load("qwen3");
        Assert.Equal([151645], ChatTemplate.For(qwen, "tokenizer_config.json").EndOfTurnIds(qwen));
        var error = Assert.Throws<RealmException>(() => new ChatMlTemplate().EndOfTurnIds(new ByteTokenizer()));
        Assert.Contains("<|im_end|>", error.Message);
    }

    [Fact]
    public void PlainTemplateWritesLinesAfterBos()
    {
        var tokenizer = new ByteTokenizer();
        ChatMessage[] messages = [new(ChatRole.System, "be brief"), new(ChatRole.User, "2+3"), new(ChatRole.Assistant, "5"), new(ChatRole.User, "4+4")];
        Assert.Equal("be brief\n2+3\n5\n4+4\n", ChatTemplate.None.Render(messages, addGenerationPrompt: true));
        Assert.Equal(tokenizer.EncodePrompt("be brief\n2+3\n5\n4+4\n"), ChatTemplate.None.Encode(tokenizer, messages, addGenerationPrompt: true));
        Assert.Empty(ChatTemplate.None.EndOfTurnIds(tokenizer));
    }

    [Fact]
    public void NamedTemplatesAndMisuse()
    {
        Assert.Same(ChatTemplate.None, ChatTemplate.Named("none", null));
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.Named("chatml", null).Render([new ChatMessage(ChatRole.User, "Hi")], addGenerationPrompt: true));
        Assert.Equal("<s><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
            ChatTemplate.Named("llama3", "<s>").Render([new ChatMessage(ChatRole.User, " Hi ")], addGenerationPrompt: false));
        Assert.Contains("'vicuna'", Assert.Throws<RealmException>(() => ChatTemplate.Named("vicuna", null)).Message);
        Assert.Throws<ArgumentException>(() => ChatTemplate.None.Render([], addGenerationPrompt: true));
    }

    private static string Show(string text) => text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
