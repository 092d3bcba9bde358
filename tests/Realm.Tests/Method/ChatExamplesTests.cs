using Realm.Engine.Chat;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Tests.Chat;
using Realm.Tests.Tokenizers;

namespace Realm.Tests.Method;

public class ChatExamplesTests
{
    private static readonly MrpvPrompt Prompt = new("Q: What is 2 + 3?\nRoute 1:\n1. 2 + 3 = 5.\nAnswer: 5\nA:\n", []);
    private const string Completion = "<verify>\nRoute 1: correct\n</verify>\n<think>\n1. 2 + 3 = 5.\n</think>\nAnswer: 5";

    [Fact]
    public void WithoutATemplateNothingChanges()
    {
        var tokenizer = new ByteTokenizer(MrpvFormat.SpecialTokens);
        Assert.Equal((Prompt.Text, Completion), ChatExamples.Render(ChatTemplate.None, Prompt.Text, Completion));
        Assert.Equal(tokenizer.EncodePrompt(Prompt.Text), ChatExamples.EncodePrompt(tokenizer, ChatTemplate.None, Prompt));
        var expected = TrainingExamples.Tokenize(tokenizer, Prompt, Completion);
        var actual = ChatExamples.Tokenize(tokenizer, ChatTemplate.None, Prompt, Completion);
        Assert.Equal(expected.Prompt, actual.Prompt);
        Assert.Equal(expected.Completion, actual.Completion);
    }

    [Fact]
    public void TheMrpvPromptIsTheUserTurnAndTheCompletionTheAssistantTurn()
    {
        var (prompt, completion) = ChatExamples.Render(ChatTemplateFixtures.Detect("qwen2.5"), Prompt.Text, Completion);
        Assert.Equal("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            + $"<|im_start|>user\n{Prompt.Text}<|im_end|>\n<|im_start|>assistant\n", prompt);
        Assert.Equal(Completion + "<|im_end|>", completion);

        var (_, llama) = ChatExamples.Render(ChatTemplateFixtures.Detect("llama3-instruct"), Prompt.Text, "\n" + Completion + "\n");
        Assert.Equal(Completion + "<|eot_id|>", llama);
    }

    [Fact]
    public void Qwen3TakesTheThinkBlockAsItsReasoningAndWouldDropTheVerifyBlock()
    {
        var qwen3 = ChatTemplateFixtures.Detect("qwen3");
        const string distilled = "<think>\n1. 2 + 3 = 5.\n</think>\nAnswer: 5";
        Assert.Equal("<think>\n1. 2 + 3 = 5.\n</think>\n\nAnswer: 5<|im_end|>", ChatExamples.Render(qwen3, Prompt.Text, distilled).Completion);
        Assert.Equal("<think>\n\n</think>\n\nAnswer: 5<|im_end|>", ChatExamples.Render(qwen3, Prompt.Text, "Answer: 5").Completion);
        var error = Assert.Throws<RealmException>(() => ChatExamples.Render(qwen3, Prompt.Text, Completion));
        Assert.Contains("drops part of the completion, from '<verify>' on", error.Message);
    }

    public static TheoryData<string> RenderedTemplateNames() => ChatTemplateTests.RenderedTemplateNames();

    [Theory]
    [MemberData(nameof(RenderedTemplateNames))]
    public void PromptAndCompletionAreTheReferenceRenderingUpToTheEndOfTurn(string name)
    {
        // The fixture's "mrpv" conversation is [user: prompt, assistant: completion], rendered by Hugging Face's Jinja.
        var template = ChatTemplateFixtures.Detect(name);
        var variables = ChatTemplateFixtures.Templates[name].Variables;
        var conversation = ChatTemplateFixtures.Conversations["mrpv"];
        if (template is ChatMlTemplate { SeparatesReasoning: true })
        {
            Assert.Throws<RealmException>(() => ChatExamples.Render(template, conversation[0].Content, conversation[1].Content, variables));
            return;
        }
        string reference = ChatTemplateFixtures.Renderings.Single(r => r.Template == name && r.Conversation == "mrpv" && !r.AddGenerationPrompt).Text;
        var (prompt, completion) = ChatExamples.Render(template, conversation[0].Content, conversation[1].Content, variables);
        Assert.StartsWith(prompt + completion, reference);
        Assert.EndsWith(template.EndOfTurnTokens[0], completion);
        Assert.Equal(template.Render([conversation[0]], addGenerationPrompt: true, variables), prompt);
    }

    [Fact]
    public void TokenizedCompletionsEndWithTheEndOfTurnToken()
    {
        // Qwen3's tokenizer (which Qwen2.5 shares) with Qwen2.5's template, which keeps the verify block.
        var tokenizer = TokenizerFixtures.Load("qwen3");
        var template = ChatTemplateFixtures.Detect("qwen2.5");
        var pair = ChatExamples.Tokenize(tokenizer, template, Prompt, Completion);
        Assert.Equal(151645, pair.Completion[^1]); // <|im_end|>
        var (prompt, completion) = ChatExamples.Render(template, Prompt.Text, Completion);
        Assert.Equal(prompt, tokenizer.Decode(pair.Prompt));
        Assert.Equal(completion, tokenizer.Decode(pair.Completion));
        Assert.Equal(tokenizer.Encode(prompt), ChatExamples.EncodePrompt(tokenizer, template, Prompt));
        Assert.DoesNotContain(tokenizer.BosId ?? -1, pair.Prompt);
    }
}
