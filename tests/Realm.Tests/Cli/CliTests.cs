using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Tests.Cli;

public class CliTests
{
    private static string CopyFixture(TempDirectory dir, string name)
    {
        string src = Fixtures.Model(name), dst = dir.File(name);
        Directory.CreateDirectory(dst);
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        return dst;
    }

    [Fact]
    public void GenerateJsonMatchesPyTorchGreedyDecoding()
    {
        using var expected = Fixtures.Expected("qwen_bias_untied");
        var prompt = string.Join(",", expected.ReadInt32("gen_prompt"));
        var want = expected.ReadInt32("gen_ids");
        var r = RealmProcess.Run("generate", "--model", Fixtures.Model("qwen_bias_untied"), "--prompt-ids", prompt,
            "--max-new-tokens", want.Length.ToString(), "--greedy", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(want, doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var lps = doc.RootElement.GetProperty("logprobs").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        TestSupport.AssertClose(lps, expected.ReadFloat("gen_logprobs"), 1e-4, "logprobs");
        Assert.Equal(2, doc.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public void PromptIdsOutsideTheVocabularyAreAUserError()
    {
        var r = RealmProcess.Run("generate", "--model", Fixtures.Model("gqa_tied"), "--prompt-ids", "1,2,96", "--max-new-tokens", "3", "--json");
        RealmProcess.AssertUserError(r, "--prompt-ids", "96", "outside the vocabulary");
        r = RealmProcess.Run("generate", "--model", Fixtures.Model("gqa_tied"), "--prompt-ids", "1,x", "--json");
        RealmProcess.AssertUserError(r, "'x'");
    }

    [Fact]
    public void TruncatedWeightsNameTheFile()
    {
        using var dir = new TempDirectory();
        string model = CopyFixture(dir, "gqa_tied");
        string weights = Path.Combine(model, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var r = RealmProcess.Run("generate", "--model", model, "--prompt-ids", "1,2", "--max-new-tokens", "2");
        RealmProcess.AssertUserError(r, weights);
        File.WriteAllBytes(weights, bytes[..4]);
        r = RealmProcess.Run("generate", "--model", model, "--prompt-ids", "1,2", "--max-new-tokens", "2");
        RealmProcess.AssertUserError(r, weights);
    }

    [Fact]
    public void WeightsThatDisagreeWithTheConfigAreAUserError()
    {
        using var dir = new TempDirectory();
        string model = CopyFixture(dir, "gqa_tied");
        string config = Path.Combine(model, "config.json");
        string text = File.ReadAllText(config);
        File.WriteAllText(config, text.Replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
        var r = RealmProcess.Run("generate", "--model", model, "--prompt-ids", "1", "--max-new-tokens", "1");
        RealmProcess.AssertUserError(r, "model.safetensors", "gate_proj", "[160, 64]", "[128, 64]");

        File.WriteAllText(config, text.Replace("\"hidden_size\": 64,", ""));
        r = RealmProcess.Run("generate", "--model", model, "--prompt-ids", "1", "--max-new-tokens", "1");
        RealmProcess.AssertUserError(r, "config.json", "hidden_size");

        File.WriteAllText(config, text.Replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\"").Replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        r = RealmProcess.Run("generate", "--model", model, "--prompt-ids", "1", "--max-new-tokens", "1");
        RealmProcess.AssertUserError(r, "config.json", "unsupported architecture");

        r = RealmProcess.Run("generate", "--model", dir.File("nope"), "--prompt-ids", "1");
        RealmProcess.AssertUserError(r, "nope");
    }

    [Fact]
    public void TrainThenGenerateFromText()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Range(0, 200).Select(i => $"{i % 9} + {i % 4} = {i % 9 + i % 4}\n")));
        string output = dir.File("out");
        var r = RealmProcess.Run("train-lm", "--data", corpus, "--out", output, "--dim", "32", "--layers", "1", "--heads", "2",
            "--kv-heads", "1", "--ffn", "64", "--steps", "8", "--batch", "4", "--seq", "32", "--eval-every", "4", "--checkpoint-every", "4");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("step 8/8", r.Stdout);
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "checkpoint/optimizer.safetensors", "checkpoint/trainer_state.json" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);

        r = RealmProcess.Run("generate", "--model", output, "--prompt", "3 + 1 =", "--max-new-tokens", "5", "--seed", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("3 + 1 =", r.Stdout);
        // Resuming, and refusing other settings: ResumeSettingsCliTests.
    }

    [Fact]
    public void BadCorpusLinesAreReportedWithTheirLineNumber()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("c.jsonl");
        File.WriteAllLines(corpus, ["{\"text\": \"ok\"}", "{\"txt\": \"wrong key\"}"]);
        var r = RealmProcess.Run("train-lm", "--data", corpus, "--out", dir.File("o"), "--steps", "1");
        RealmProcess.AssertUserError(r, "c.jsonl:2", "text");
    }

    [Fact]
    public void BenchJsonHasEveryKey()
    {
        var r = RealmProcess.Run("bench", "--json", "--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "48",
            "--vocab", "64", "--seq", "16", "--batch", "2", "--decode-batch", "2", "--prompt", "4", "--gen", "4", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        foreach (var key in new[] { "params", "train_tokens_per_s", "decode_tokens_per_s", "gemm_gflops", "peak_gflops", "mfu", "peak_rss_mb" })
            Assert.True(doc.RootElement.GetProperty(key).GetDouble() > 0, key);
    }

    [Theory]
    [InlineData("generate", "--prompt-ids")]
    [InlineData("chat", "--no-thinking")]
    [InlineData("train-lm", "--checkpoint-every")]
    [InlineData("bench", "--decode-batch")]
    [InlineData("demo", "--help")]
    public void EveryCommandExplainsItself(string command, string mentions)
    {
        var r = RealmProcess.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(mentions, r.Stdout);
    }
}
