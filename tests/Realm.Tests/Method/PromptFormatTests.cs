using Realm.Engine.Chat;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Tests.Chat;

namespace Realm.Tests.Method;

public class PromptFormatTests
{
    private static readonly MrpvPrompt Prompt = new("Q: What is 2 + 3?\nA:\n", []);
    private const string Answer = "<think>\n1. 2 + 3 = 5.\n</think>\nAnswer: 5";

    [Fact]
    public void PlainIsTheProjectsOwnConvention()
    {
        var tokenizer = new ByteTokenizer(MrpvFormat.SpecialTokens);
        var format = PromptFormat.Plain(tokenizer);
        Assert.Equal(tokenizer.EncodePrompt(Prompt.Text), format.EncodePrompt(Prompt));
        var expected = TrainingExamples.Tokenize(tokenizer, Prompt, Answer);
        var pair = format.Tokenize(Prompt, Answer);
        Assert.Equal(expected.Prompt, pair.Prompt);
        Assert.Equal(expected.Completion, pair.Completion);
        Assert.Equal([tokenizer.EosId], format.StopIds);
        Assert.Equal(Answer, format.DecodeCompletion(pair.Completion));
    }

    [Fact]
    public void AChatModelReadsAUserTurnAndStopsAtTheEndOfItsTurn()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateChatMl(dir);
        var tokenizer = TokenizerLoader.Load(model);
        var format = PromptFormat.ForModel(tokenizer, model);
        Assert.Equal("chatml", format.Template.Name);

        string rendered = format.Template.Render([new ChatMessage(ChatRole.User, Prompt.Text)], addGenerationPrompt: true);
        Assert.EndsWith($"<|im_start|>user\n{Prompt.Text}<|im_end|>\n<|im_start|>assistant\n", rendered);
        Assert.Equal(tokenizer.Encode(rendered), format.EncodePrompt(Prompt));

        int endOfTurn = tokenizer.Encode("<|im_end|>").Single();
        Assert.Contains(endOfTurn, format.StopIds);
        var pair = format.Tokenize(Prompt, Answer);
        Assert.Equal(tokenizer.Encode(Answer + "<|im_end|>"), pair.Completion);
        Assert.Equal(Answer, format.DecodeCompletion(pair.Completion));
        // A padded embedding row (vocab_size beyond the tokenizer's ids) is shown, not an error.
        Assert.Equal($"Answer: 5<|id:{tokenizer.VocabSize}|>", format.DecodeCompletion([.. tokenizer.Encode("Answer: 5"), tokenizer.VocabSize]));
    }
}
