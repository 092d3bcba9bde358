using Realm.Engine.Generation;
using Realm.Engine.Tokenizers;
using Realm.Tests.Model;

namespace Realm.Tests.Generation;

public class GenerationConfigTests
{
    // Qwen2.5-0.5B-Instruct's generation_config.json.
    private const string Qwen25 = """
        {
          "bos_token_id": 151643,
          "pad_token_id": 151643,
          "do_sample": true,
          "eos_token_id": [151645, 151643],
          "repetition_penalty": 1.1,
          "temperature": 0.7,
          "top_p": 0.8,
          "top_k": 20,
          "transformers_version": "4.37.0"
        }
        """;

    private static GenerationConfig Parse(TempDirectory dir, string json)
    {
        File.WriteAllText(dir.File(GenerationConfig.FileName), json);
        return GenerationConfig.LoadIfPresent(dir.Path)!;
    }

    [Fact]
    public void ReadsEveryField()
    {
        using var dir = new TempDirectory();
        Assert.Null(GenerationConfig.LoadIfPresent(dir.Path));
        var qwen = Parse(dir, Qwen25);
        Assert.Equal(151643, qwen.BosTokenId);
        Assert.Equal(151643, qwen.PadTokenId);
        Assert.Equal([151645, 151643], qwen.EosTokenIds);
        Assert.True(qwen.DoSample);
        Assert.Equal(0.7f, qwen.Temperature);
        Assert.Equal(0.8f, qwen.TopP);
        Assert.Equal(20, qwen.TopK);
        Assert.Equal(1.1f, qwen.RepetitionPenalty);
        Assert.Null(qwen.MaxNewTokens);

        var other = Parse(dir, """{"eos_token_id": 2, "max_new_tokens": 64, "max_length": 100, "temperature": null}""");
        Assert.Equal([2], other.EosTokenIds);
        Assert.Equal(64, other.MaxNewTokens);
        Assert.Equal(100, other.MaxLength);
        Assert.Null(other.Temperature);
        Assert.Null(other.DoSample);
    }

    [Theory]
    [InlineData("{\"eos_token_id\": 2,", "invalid JSON at line 1")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"temperature\": \"hot\"}", "'temperature' must be a number, got \"hot\"")]
    [InlineData("{\"eos_token_id\": [1, \"x\"]}", "'eos_token_id' must be an integer or a list of integers")]
    [InlineData("{\"do_sample\": 1}", "'do_sample' must be true or false")]
    [InlineData("{\"top_k\": 2.5}", "'top_k' must be an integer")]
    [InlineData("{\"top_p\": 1.5}", "'top_p' must be in (0, 1]")]
    [InlineData("{\"temperature\": -1}", "'temperature' must be ≥ 0")]
    [InlineData("{\"do_sample\": true, \"temperature\": 0}", "'temperature' must be > 0 when do_sample is true")]
    [InlineData("{\"repetition_penalty\": 0}", "'repetition_penalty' must be > 0")]
    [InlineData("{\"max_new_tokens\": -5}", "'max_new_tokens' must be ≥ 0")]
    [InlineData("{\"eos_token_id\": -1}", "'eos_token_id' must be ≥ 0")]
    public void BadFilesNameTheFileAndField(string json, string fragment)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(GenerationConfig.FileName), json);
        var error = Assert.Throws<RealmException>(() => GenerationConfig.LoadIfPresent(dir.Path));
        Assert.StartsWith(dir.File(GenerationConfig.FileName) + ": ", error.Message);
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void FlagsOverrideTheFileWhichOverridesRealmsDefaults()
    {
        using var dir = new TempDirectory();
        var qwen = Parse(dir, Qwen25);

        var fromFile = SamplingDefaults.Resolve(new SamplingRequest(), qwen, promptLength: 10, defaultMaxNewTokens: 128);
        Assert.Equal(new SamplingOptions { Temperature = 0.7f, TopK = 20, TopP = 0.8f, RepetitionPenalty = 1.1f, MaxNewTokens = 128 }, fromFile);

        var request = new SamplingRequest { Temperature = 1.2f, TopK = 0, MaxNewTokens = 7, RepetitionPenalty = 1f, Seed = 9 };
        Assert.Equal(new SamplingOptions { Temperature = 1.2f, TopK = 0, TopP = 0.8f, RepetitionPenalty = 1f, MaxNewTokens = 7, Seed = 9 },
            SamplingDefaults.Resolve(request, qwen, 10, 128));
        Assert.True(SamplingDefaults.Resolve(new SamplingRequest { Greedy = true }, qwen, 10, 128).Greedy);

        Assert.Equal(new SamplingOptions { MaxNewTokens = 128 }, SamplingDefaults.Resolve(new SamplingRequest(), null, 10, 128));
    }

    [Fact]
    public void AFileWithoutDoSampleIsGreedyAsInTransformersUnlessSamplingIsAskedFor()
    {
        using var dir = new TempDirectory();
        var config = Parse(dir, """{"eos_token_id": 2, "max_length": 50}""");
        var options = SamplingDefaults.Resolve(new SamplingRequest(), config, promptLength: 20, defaultMaxNewTokens: 128);
        Assert.True(options.Greedy);
        Assert.Equal(30, options.MaxNewTokens); // max_length counts the prompt
        Assert.Equal(SamplingDefaults.TransformersTopK, options.TopK);
        Assert.Equal(0, SamplingDefaults.Resolve(new SamplingRequest(), config, promptLength: 60, 128).MaxNewTokens);

        var sampled = SamplingDefaults.Resolve(new SamplingRequest { TopP = 0.9f }, config, 20, 128);
        Assert.False(sampled.Greedy);
        Assert.Equal(0.9f, sampled.TopP);
    }

    [Fact]
    public void StopTokensJoinTheFilesEosIdsWithTheTokenizersEos()
    {
        using var dir = new TempDirectory();
        var model = ModelGradientTests.TinyConfig(bias: false, tied: true) with { VocabSize = 300, EosTokenIds = [5] };
        var tokenizer = new ByteTokenizer();
        var config = Parse(dir, """{"eos_token_id": [7, 257]}""");
        Assert.Equal([7, 257], SamplingDefaults.StopTokens(config, tokenizer, model));
        Assert.Equal([257], SamplingDefaults.StopTokens(null, tokenizer, model));
        Assert.Equal([7, 257, 5], SamplingDefaults.StopTokens(config, null, model));
        Assert.Equal([5], SamplingDefaults.StopTokens(null, null, model));
    }
}
