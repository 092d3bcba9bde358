using System.Text.Json;
using Realm.Engine.Chat;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Tests.Chat;

namespace Realm.Tests.Cli;

/// <summary><c>--weights auto|bf16|f32</c> on the inference commands.</summary>
public class WeightsFlagTests
{
    private static (int[] Ids, float[] Logprobs) Generate(string model, string prompt, int count, params string[] extra)
    {
        var r = RealmProcess.Run(["generate", "--model", model, "--prompt-ids", prompt, "--max-new-tokens", count.ToString(), "--greedy", "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return (doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            doc.RootElement.GetProperty("logprobs").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public void EveryChoiceDecodesABf16CheckpointAsPyTorch()
    {
        using var expected = Fixtures.Expected("gqa_tied_bf16");
        var prompt = string.Join(",", expected.ReadInt32("gen_prompt"));
        var want = expected.ReadInt32("gen_ids");
        string model = Fixtures.Model("gqa_tied_bf16");
        var f32 = Generate(model, prompt, want.Length, "--weights", "f32");
        Assert.Equal(want, f32.Ids);
        TestSupport.AssertClose(f32.Logprobs, expected.ReadFloat("gen_logprobs"), 1e-3, "logprobs");
        foreach (var choice in new[] { "bf16", "auto" })
        {
            var other = Generate(model, prompt, want.Length, "--weights", choice);
            Assert.Equal(f32.Ids, other.Ids);
            Assert.Equal(f32.Logprobs, other.Logprobs);
        }
    }

    [Fact]
    public void ChatWithBf16WeightsRepliesAsABf16ModelInProcess()
    {
        using var dir = new TempDirectory();
        string model = ChatModels.CreateChatMl(dir);
        var r = RealmProcess.RunWithInput("Hello there!\n", "chat", "--model", model, "--greedy", "--max-new-tokens", "8", "--weights", "bf16");
        Assert.True(r.ExitCode == 0, r.Stderr);

        using var cpu = new Cpu(2, SimdSupport.FromEnvironment());
        using var llm = LlamaModel.LoadBf16(model, cpu);
        var tokenizer = TokenizerLoader.Load(model);
        using var session = new ChatSession(llm, tokenizer, ChatTemplate.For(tokenizer, "tokenizer_config.json"), new ChatSessionOptions
        {
            Sampling = new SamplingRequest { Greedy = true, MaxNewTokens = 8 },
            StopTokens = SamplingDefaults.StopTokens(null, tokenizer, llm.Config),
        });
        Assert.Equal(session.Send("Hello there!").Text + "\n", r.Stdout);
    }

    [Theory]
    [InlineData("train-lm")]
    [InlineData("sft")]
    [InlineData("rl")]
    public void TrainingCommandsRefuseBf16Weights(string command)
    {
        using var dir = new TempDirectory();
        string[] required = command == "train-lm"
            ? ["--data", dir.File("corpus.jsonl"), "--out", dir.File("out")]
            : ["--model", Fixtures.Model("gqa_tied_bf16"), "--data", dir.File("problems.jsonl"), "--out", dir.File("out")];
        var r = RealmProcess.Run([command, .. required, "--weights", "bf16"]);
        RealmProcess.AssertUserError(r, "--weights bf16", "training runs on F32 weights");
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void AnUnknownChoiceIsAUserError()
    {
        var r = RealmProcess.Run("generate", "--model", Fixtures.Model("gqa_tied"), "--prompt-ids", "1,2", "--weights", "fp8");
        RealmProcess.AssertUserError(r, "--weights", "'fp8'", "auto, bf16, q8 or f32");
    }
}
