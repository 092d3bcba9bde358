// Shared pieces of the GRPO tests: a reward that a tiny model learns in a few steps, and a trainer on the
// fake domain's problems asked plainly.
using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Method;
using Realm.Tests.Method;
using Realm.Training;

namespace Realm.Tests.Training;

/// <summary>Rewards the share of digits in a short completion: learnable from scratch in a few steps.</summary>
internal sealed class DigitReward : IRewardFunction<ProblemPrompt>
{
    public string Name => "digits";
    public double Score(ProblemPrompt prompt, string completion) => completion.Length == 0 ? 0 : completion.Count(char.IsAsciiDigit) / 4.0;
}

internal static class GrpoTestKit
{
    public static readonly ByteTokenizer Tokenizer = new();

    public static List<Problem> Problems()
    {
        var rng = new SplitMix64(1);
        var domain = new FakeDomain();
        return Enumerable.Range(0, 20).Select(i => domain.Generate(ref rng, "train", 1, $"f-{i}")).ToList();
    }

    public static ProblemPromptSource Source() => new(PromptFormat.Plain(Tokenizer), new FakeDomain(), Problems(), new PlainPromptPolicy());

    public static GrpoTrainer<ProblemPrompt> Trainer(LlamaModel model, GrpoConfig config, string? dir, params IRewardFunction<ProblemPrompt>[] rewards) =>
        new(model, Source(), rewards.Length > 0 ? rewards : [new DigitReward()], config, dir);
}
