// The anchors' own correctness: greedy continuations of llama.cpp (GGUF of each type, F32 KV cache) and realm
// (`realm generate --greedy`, F32 weights, or BF16 for the BF16 file) from the same prompt ids on the same model.
// llama.cpp runs without flash attention here unless --flash-attn says otherwise: its CPU flash attention rounds
// queries and probabilities to F16 (log-probs then differ by ~1e-2 on the small check model; 6e-6 without it).
// A disagreement on the F32 file is a failure (exit code 2): the conversion or one engine is wrong. The
// other types round the weights (and llama.cpp rounds the activations to match them), so a divergence where
// the top-1 logit gap is small is expected there; the gap is printed.
namespace Realm.PeerBench;

internal static class Check
{
    public static int Run(Options o, ModelDirectory model, RealmCli realm)
    {
        var shape = model.ReadShape();
        var rng = new Random(7);
        int[] prompt = Enumerable.Range(0, 8).Select(_ => rng.Next(shape.Vocab - 1)).ToArray();
        int threads = o.Threads[0];
        Console.WriteLine($"prompt ids {string.Join(",", prompt)}; {o.Gen} greedy tokens; {threads} thread(s)");
        bool failed = false;
        foreach (var type in o.Types)
        {
            string weights = type == "bf16" ? "bf16" : "f32";
            var (realmIds, realmLp) = realm.Greedy(model.Path, prompt, o.Gen, weights, threads);
            using var llama = new LlamaCppEngine(model.Gguf(type), threads, prompt.Length + o.Gen + 8, 64, f32Cache: true, o.FlashAttention ?? false);
            var (ids, lp, gaps) = llama.Greedy(prompt, o.Gen);
            int n = Math.Min(ids.Length, realmIds.Length), same = 0;
            while (same < n && ids[same] == realmIds[same]) same++;
            double maxLpDiff = Enumerable.Range(0, same).Select(i => Math.Abs(lp[i] - realmLp[i])).DefaultIfEmpty(0).Max();
            string verdict = same == o.Gen && realmIds.Length == o.Gen
                ? $"agree on all {o.Gen} tokens"
                : $"DIVERGE at step {same} (llama.cpp {(same < ids.Length ? ids[same] : -1)} vs realm {(same < realmIds.Length ? realmIds[same] : -1)}, " +
                  $"llama.cpp's top-1 gap there {(same < gaps.Length ? gaps[same] : double.NaN):G3})";
            Console.WriteLine($"{type,-5} GGUF vs realm --weights {weights}: {verdict}; max |log-prob difference| over the agreeing tokens " +
                              $"{maxLpDiff:E2}; smallest llama.cpp top-1 gap {gaps.Take(Math.Max(same, 1)).Min():G3}");
            Console.WriteLine($"      llama.cpp {string.Join(",", ids)}");
            Console.WriteLine($"      realm     {string.Join(",", realmIds)}");
            Console.WriteLine($"      log-probs llama.cpp {string.Join(",", lp.Take(8).Select(x => x.ToString("F4")))} ...");
            Console.WriteLine($"      log-probs realm     {string.Join(",", realmLp.Take(8).Select(x => x.ToString("F4")))} ...");
            if (type == "f32" && same < o.Gen) failed = true;
        }
        return failed ? 2 : 0;
    }
}
