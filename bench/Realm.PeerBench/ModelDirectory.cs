// The benchmarked model: its shape from config.json, and its GGUF files, written next to it on first use by
// tools/hf_to_gguf.py (Debian's python3 with numpy; the conversion follows llama.cpp's convert_hf_to_gguf.py).
using System.Diagnostics;
using System.Text.Json;

namespace Realm.PeerBench;

internal sealed record ModelShape(int Dim, int Layers, int Heads, int KvHeads, int Ffn, int Vocab, bool Tied);

internal sealed class ModelDirectory(string dir, string repoRoot)
{
    public string Path => dir;

    public ModelShape ReadShape()
    {
        string file = System.IO.Path.Combine(dir, "config.json");
        if (!File.Exists(file)) throw new PeerBenchException($"{file}: not found (give a model directory: config.json + model.safetensors)");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var c = doc.RootElement;
        int Int(string name) => c.TryGetProperty(name, out var v) ? v.GetInt32() : throw new PeerBenchException($"{file}: no field {name}");
        int heads = Int("num_attention_heads");
        return new ModelShape(Int("hidden_size"), Int("num_hidden_layers"), heads,
            c.TryGetProperty("num_key_value_heads", out var kv) ? kv.GetInt32() : heads, Int("intermediate_size"), Int("vocab_size"),
            c.TryGetProperty("tie_word_embeddings", out var t) && t.GetBoolean());
    }

    /// <summary>The GGUF of <paramref name="type"/> (f32, f16, bf16, q8_0), converted if missing or older than the checkpoint.</summary>
    public string Gguf(string type)
    {
        string gguf = System.IO.Path.Combine(dir, $"model-{type}.gguf");
        string weights = System.IO.Path.Combine(dir, "model.safetensors");
        if (File.Exists(gguf) && File.GetLastWriteTimeUtc(gguf) >= File.GetLastWriteTimeUtc(weights)) return gguf;
        Console.Error.WriteLine($"converting {dir} to {System.IO.Path.GetFileName(gguf)}");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { System.IO.Path.Combine(repoRoot, "tools", "hf_to_gguf.py"), "--model", dir, "--type", type, "--out", gguf })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new PeerBenchException($"tools/hf_to_gguf.py failed: {stderr.Trim()}");
        _ = stdout.Result;
        return gguf;
    }
}
