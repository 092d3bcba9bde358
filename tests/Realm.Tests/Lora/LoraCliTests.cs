using System.Text.Json;
using Realm.Engine.IO;
using Realm.Tests.Cli;

namespace Realm.Tests.Lora;

/// <summary><c>realm generate --adapter</c>, <c>realm lora merge</c>, <c>realm train-lm --lora-rank</c> and <c>realm bench lora</c>, run as a user would.</summary>
public class LoraCliTests
{
    private static readonly string BaseModel = Fixtures.Model("qwen_bias_untied");
    private static string Adapter => LoraReferenceTests.AdapterDirectory;

    private static (int[] Ids, float[] Logprobs) GenerateGreedy(params string[] modelArgs)
    {
        using var expected = SafeTensorsFile.Open(Path.Combine(Adapter, "expected.safetensors"));
        var r = RealmProcess.Run(["generate", .. modelArgs, "--prompt-ids", string.Join(",", expected.ReadInt32("gen_prompt")),
            "--max-new-tokens", expected.ReadInt32("gen_ids").Length.ToString(), "--greedy", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return (doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            doc.RootElement.GetProperty("logprobs").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public void GenerateWithAnAdapterAndWithTheMergedModelMatchPyTorch()
    {
        using var expected = SafeTensorsFile.Open(Path.Combine(Adapter, "expected.safetensors"));
        var want = expected.ReadInt32("gen_ids");
        var wantLogprobs = expected.ReadFloat("gen_logprobs");

        var adapted = GenerateGreedy("--model", BaseModel, "--adapter", Adapter);
        Assert.Equal(want, adapted.Ids);
        TestSupport.AssertClose(adapted.Logprobs, wantLogprobs, 1e-4, "logprobs with --adapter");

        using var dir = new TempDirectory();
        string merged = dir.File("merged");
        var r = RealmProcess.Run("lora", "merge", "--model", BaseModel, "--adapter", Adapter, "--out", merged);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("merged", r.Stdout);
        Assert.True(File.Exists(Path.Combine(merged, "config.json")));
        Assert.True(File.Exists(Path.Combine(merged, "model.safetensors")));
        var fromMerged = GenerateGreedy("--model", merged);
        Assert.Equal(want, fromMerged.Ids);
        TestSupport.AssertClose(fromMerged.Logprobs, wantLogprobs, 1e-4, "logprobs of the merged model");
    }

    [Fact]
    public void AnAdapterForAnotherBaseIsAOneLineError()
    {
        using var dir = new TempDirectory();
        var r = RealmProcess.Run("lora", "merge", "--model", Fixtures.Model("gqa_tied"), "--adapter", Adapter, "--out", dir.File("m"));
        RealmProcess.AssertUserError(r, Path.Combine(Adapter, "adapter_model.safetensors"), "adapter for a different base model");
        Assert.False(Directory.Exists(dir.File("m")));

        r = RealmProcess.Run("generate", "--model", Fixtures.Model("mha_headdim"), "--adapter", Adapter, "--prompt-ids", "1", "--max-new-tokens", "1");
        RealmProcess.AssertUserError(r, "adapter_model.safetensors", "adapter for a different base model");

        r = RealmProcess.Run("lora", "merge", "--model", BaseModel, "--adapter", dir.File("none"), "--out", dir.File("m"));
        RealmProcess.AssertUserError(r, "none", "adapter directory not found");

        r = RealmProcess.Run("lora", "merge", "--model", BaseModel, "--adapter", Adapter, "--out", BaseModel);
        RealmProcess.AssertUserError(r, "--out", "must differ from --model");
    }

    [Fact]
    public void TrainLmTrainsAnAdapterThatGenerateAndMergeUse()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Range(0, 200).Select(i => $"{i % 9} + {i % 4} = {i % 9 + i % 4}\n")));
        string baseDir = dir.File("base"), adapter = dir.File("adapter");
        var r = RealmProcess.Run("train-lm", "--data", corpus, "--out", baseDir, "--dim", "32", "--layers", "1", "--heads", "2",
            "--kv-heads", "1", "--ffn", "64", "--steps", "4", "--batch", "4", "--seq", "32");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var baseBytes = File.ReadAllBytes(Path.Combine(baseDir, "model.safetensors"));

        string[] lora = ["train-lm", "--data", corpus, "--out", adapter, "--init", baseDir, "--lora-rank", "4", "--lora-targets", "all-linear",
            "--lora-dropout", "0.1", "--batch", "4", "--seq", "32", "--eval-every", "3", "--checkpoint-every", "3", "--lr", "1e-2"];
        r = RealmProcess.Run([.. lora, "--steps", "6"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("LoRA", r.Stdout);
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors", "checkpoint", "tokenizer.json", "tokenizer_config.json"],
            Directory.GetFileSystemEntries(adapter).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(baseBytes, File.ReadAllBytes(Path.Combine(baseDir, "model.safetensors")));

        var trained = File.ReadAllBytes(Path.Combine(adapter, "adapter_model.safetensors"));
        r = RealmProcess.Run([.. lora, "--steps", "6"]); // the same command finds the run complete in the adapter checkpoint
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("resuming", r.Stdout);
        Assert.Equal(trained, File.ReadAllBytes(Path.Combine(adapter, "adapter_model.safetensors")));
        RealmProcess.AssertUserError(RealmProcess.Run([.. lora, "--steps", "9"]), "steps 6 → 9");

        string[] prompt = ["--prompt", "3 + 1 =", "--max-new-tokens", "6", "--greedy", "--json"];
        r = RealmProcess.Run(["generate", "--model", baseDir, "--adapter", adapter, .. prompt]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string adapted = r.Stdout;
        r = RealmProcess.Run("lora", "merge", "--model", baseDir, "--adapter", adapter, "--out", dir.File("merged"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(dir.File("merged"), "tokenizer.json")));
        r = RealmProcess.Run(["generate", "--model", dir.File("merged"), .. prompt]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var a = JsonDocument.Parse(adapted);
        using var m = JsonDocument.Parse(r.Stdout);
        Assert.Equal(a.RootElement.GetProperty("ids").GetRawText(), m.RootElement.GetProperty("ids").GetRawText());

        r = RealmProcess.Run("train-lm", "--data", corpus, "--out", dir.File("x"), "--lora-rank", "4");
        RealmProcess.AssertUserError(r, "--lora-rank needs --init");
        r = RealmProcess.Run("train-lm", "--data", corpus, "--out", adapter, "--steps", "12", "--batch", "4", "--seq", "32");
        RealmProcess.AssertUserError(r, "checkpoint was made with other settings", "lora.rank 4 → 0");
    }

    [Fact]
    public void BenchLoraJsonHasEveryKey()
    {
        var r = RealmProcess.Run("bench", "lora", "--json", "--dim", "32", "--layers", "2", "--heads", "2", "--kv-heads", "1", "--ffn", "48",
            "--vocab", "64", "--seq", "16", "--batch", "2", "--rank", "4", "--steps", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        foreach (var key in new[] { "base_params", "trainable_params", "step_seconds", "tokens_per_s", "model_rss_mb", "peak_rss_mb" })
            Assert.True(doc.RootElement.GetProperty(key).GetDouble() > 0, key);
        Assert.True(doc.RootElement.GetProperty("cpu_seconds_per_step").GetDouble() >= 0); // a tiny step may take less than the clock's tick
        // Rank 4 on all seven projections of 2 layers: 4·((32+32)·2 + (32+16)·2 + (32+48)·3) per layer.
        Assert.Equal(2 * 4 * (64 * 2 + 48 * 2 + 80 * 3), doc.RootElement.GetProperty("trainable_params").GetInt64());
    }

    [Theory]
    [InlineData("generate", "--adapter")]
    [InlineData("lora merge", "--adapter")]
    [InlineData("train-lm", "--lora-rank")]
    [InlineData("bench lora", "--rank")]
    public void LoraOptionsAreDocumented(string command, string mentions)
    {
        var r = RealmProcess.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(mentions, r.Stdout);
    }
}
