using Realm.Data;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Method.FineTuning;

namespace Realm.Tests.FineTuning;

/// <summary>Does a user's RL prompt fit the model: counted in tokens, not characters.</summary>
public class ContextFitTests
{
    [Fact]
    public void TheLongestRlPromptIsTheOneWithTheMostTokensNotCharacters()
    {
        using var dir = new TempDirectory();
        // Problem 4's wrong route has fewer characters than its correct one but more tokens (each 'é' is two bytes).
        var ascii = new Route { Text = "1. " + new string('x', 40) + "\nAnswer: 8", Answer = "8", Correct = true };
        var accented = new Route { Text = "1. " + new string('é', 30) + "\nAnswer: 9", Answer = "9", FirstErrorStep = 1 };
        string path = FineTuneCliTests.WriteDataset(dir.File("sums.jsonl"), (i, p) => i == 4 ? FineTuneCliTests.WithRoutes(p, [ascii, accented]) : p);
        var data = FineTuneDataset.Read(path, "id", needsSolutions: false, skipBadLines: false);
        var format = PromptFormat.Plain(new ByteTokenizer(MrpvFormat.SpecialTokens));
        var problem = data.Train[4];

        int withAscii = format.EncodePrompt(MrpvPrompts.Render(problem, [ascii], 1.0)).Length;
        int withAccented = format.EncodePrompt(MrpvPrompts.Render(problem, [accented], 1.0)).Length;
        Assert.True(ascii.Text.Length > accented.Text.Length && withAccented > withAscii);
        Assert.Equal(withAccented, ContextFit.LongestRlPrompt(format, problem, maxRoutes: 1));
        Assert.Equal(format.EncodePrompt(MrpvPrompts.Plain(problem)).Length, ContextFit.LongestRlPrompt(format, problem, maxRoutes: 0));

        // A model whose positions hold the ASCII prompt and the answer, but not the accented one, is refused, naming the line.
        const int maxNew = 16;
        var e = Assert.Throws<RealmException>(() => ContextFit.CheckRlPrompts(data, format, 1, maxNew, withAccented + maxNew - 1));
        Assert.StartsWith($"{path}:5: problem 'sum-004' makes a prompt of up to {withAccented} tokens", e.Message);
        ContextFit.CheckRlPrompts(data, format, 1, maxNew, withAccented + maxNew);
    }
}
