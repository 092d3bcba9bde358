// The realm side, through its own CLI in a child process (as a user runs it): `realm bench inference` for
// speed on the model's shape, `realm generate --greedy --json` for the correctness check. On the AVX2 row
// the child gets DOTNET_EnableAVX512=0 and DOTNET_EnableAVXVNNI=0, so .NET reports no AVX-512 or AVX-VNNI.
using System.Diagnostics;
using System.Text.Json;

namespace Realm.PeerBench;

internal sealed record RealmSpeed(double PrefillTokensPerS, double DecodeTokensPerS, double CpuShare);

internal sealed class RealmCli(string realmDll, bool avx2)
{
    private readonly Dictionary<string, bool> _knownFormats = new();

    /// <summary>
    /// Prefill of a <paramref name="prompt"/>-token prompt (median of 3) and the median of <paramref name="steps"/>
    /// batch-1 decode steps after a context of the same length, for each format; null for a format this build
    /// of realm does not know.
    /// </summary>
    public Dictionary<string, RealmSpeed?> BenchInference(ModelShape m, int threads, int prompt, int steps, IReadOnlyList<string> formats)
    {
        var result = new Dictionary<string, RealmSpeed?>();
        var known = new List<string>();
        foreach (var f in formats)
        {
            // A build without this format refuses it; probe once on a tiny shape, which takes about a second.
            if (!_knownFormats.TryGetValue(f, out bool ok))
                _knownFormats[f] = ok = Run(["bench", "inference", "--weights", f, "--prompt", "1", "--steps", "1", "--decode-context", "1", "--decode-batches", "1",
                      "--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "32", "--vocab", "64", "--threads", "1", "--json"],
                    allowFailure: true).Ok;
            if (!ok) result[f] = null;
            else known.Add(f);
        }
        if (known.Count == 0) return result;
        var (_, output) = Run(["bench", "inference", "--json", "--threads", threads.ToString(), "--weights", string.Join(",", known),
            "--prompt", prompt.ToString(), "--decode-context", prompt.ToString(), "--steps", steps.ToString(), "--decode-batches", "1",
            "--dim", m.Dim.ToString(), "--layers", m.Layers.ToString(), "--heads", m.Heads.ToString(), "--kv-heads", m.KvHeads.ToString(),
            "--ffn", m.Ffn.ToString(), "--vocab", m.Vocab.ToString()]);
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        double share = doc.RootElement.GetProperty("cpu_share").GetDouble();
        foreach (var f in known)
        {
            var fr = doc.RootElement.GetProperty("formats").EnumerateObject().First(p => p.Name.StartsWith(f, StringComparison.OrdinalIgnoreCase)).Value;
            result[f] = new RealmSpeed(fr.GetProperty("prefill_tokens_per_s").GetDouble(),
                fr.GetProperty("decode").EnumerateArray().First().GetProperty("tokens_per_s").GetDouble(), share);
        }
        return result;
    }

    /// <summary><c>realm generate --greedy --json</c>: the ids and their log-probabilities.</summary>
    public (int[] Ids, double[] Logprobs) Greedy(string modelDir, IReadOnlyList<int> prompt, int count, string weights, int threads)
    {
        var (_, output) = Run(["generate", "--model", modelDir, "--prompt-ids", string.Join(",", prompt), "--greedy", "--json",
            "--max-new-tokens", count.ToString(), "--weights", weights, "--threads", threads.ToString()]);
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return (doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                doc.RootElement.GetProperty("logprobs").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }

    private (bool Ok, string Output) Run(IEnumerable<string> args, bool allowFailure = false)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(realmDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (avx2)
        {
            psi.Environment["DOTNET_EnableAVX512"] = "0";
            psi.Environment["DOTNET_EnableAVXVNNI"] = "0";
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && !allowFailure)
            throw new PeerBenchException($"realm {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result.Trim()}");
        return (p.ExitCode == 0, stdout);
    }
}
