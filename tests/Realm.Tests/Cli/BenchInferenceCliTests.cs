using System.Text.Json;

namespace Realm.Tests.Cli;

/// <summary><c>realm bench inference</c> on a tiny shape: every key, BF16 reading half the bytes and Q8 17/64, clear errors.</summary>
public class BenchInferenceCliTests
{
    [Fact]
    public void JsonHasEveryKeyForEveryFormat()
    {
        var r = RealmProcess.Run("bench", "inference", "--json", "--dim", "64", "--layers", "2", "--heads", "2", "--kv-heads", "1",
            "--ffn", "128", "--vocab", "256", "--prompt", "16", "--decode-batches", "1,3", "--decode-context", "4", "--steps", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        foreach (var key in new[] { "params", "read_gb_per_s", "copy_gb_per_s", "cpu_share", "peak_rss_mb" })
            Assert.True(root.GetProperty(key).GetDouble() > 0, key);
        var formats = root.GetProperty("formats");
        Assert.Equal(["f32", "bf16", "q8"], formats.EnumerateObject().Select(p => p.Name));
        foreach (var format in formats.EnumerateObject())
        {
            Assert.True(format.Value.GetProperty("prefill_tokens_per_s").GetDouble() > 0, format.Name);
            var decode = format.Value.GetProperty("decode").EnumerateArray().ToList();
            Assert.Equal([1, 3], decode.Select(d => d.GetProperty("batch").GetInt32()));
            foreach (var d in decode)
                foreach (var key in new[] { "tokens_per_s", "bytes_per_token", "read_gb_per_s", "bandwidth_share" })
                    Assert.True(d.GetProperty(key).GetDouble() >= 0, key); // tiny rates may round to 0
        }
        Assert.Equal(formats.GetProperty("f32").GetProperty("weight_bytes").GetInt64(),
            2 * formats.GetProperty("bf16").GetProperty("weight_bytes").GetInt64());
        // Q8: 32 int8 values and one 2-byte scale per 32 weights (no padding at these sizes).
        Assert.Equal(formats.GetProperty("f32").GetProperty("weight_bytes").GetInt64() * 17 / 64,
            formats.GetProperty("q8").GetProperty("weight_bytes").GetInt64());
    }

    [Theory]
    [InlineData("--decode-batches", "1,0", "--decode-batches")]
    [InlineData("--weights", "f32,int8", "'int8'")]
    [InlineData("--dim", "0", "--dim")]
    public void BadFlagsAreUserErrors(string flag, string value, string mentions)
    {
        var r = RealmProcess.Run("bench", "inference", flag, value);
        RealmProcess.AssertUserError(r, mentions);
    }
}
