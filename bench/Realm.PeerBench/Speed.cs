// The side-by-side speed table: rounds of realm then llama.cpp at every thread count, medians over rounds.
using System.Text.Json;

namespace Realm.PeerBench;

internal static class Speed
{
    private const int PrefillPasses = 3, WarmupSteps = 2;

    /// <summary>realm's --weights name for a GGUF type; null where realm has no such format.</summary>
    private static string? RealmFormat(string type) => type switch { "f32" => "f32", "bf16" => "bf16", "q8_0" => "q8", _ => null };

    private sealed record Sample(int Round, int Threads, string Type, string Engine, double Prefill, double Decode);

    public static int Run(Options o, ModelDirectory model, ModelShape shape, RealmCli realm)
    {
        var ggufs = o.Types.ToDictionary(t => t, model.Gguf);
        var samples = new List<Sample>();
        var rng = new Random(3);
        int[] prompt = Enumerable.Range(0, o.Prompt).Select(_ => rng.Next(shape.Vocab - 1)).ToArray();
        for (int round = 1; round <= o.Rounds; round++)
            foreach (int threads in o.Threads)
            {
                var formats = o.Types.Select(RealmFormat).OfType<string>().Distinct().ToArray();
                var realmSpeeds = realm.BenchInference(shape, threads, o.Prompt, o.Gen, formats);
                foreach (var type in o.Types)
                {
                    if (RealmFormat(type) is { } f && realmSpeeds.GetValueOrDefault(f) is { } rs)
                        Add(new Sample(round, threads, type, "realm", rs.PrefillTokensPerS, rs.DecodeTokensPerS), $"cpu share {rs.CpuShare:P0}");
                    var (prefill, decode) = MeasureLlama(ggufs[type], threads, prompt, o.Gen, o.FlashAttention);
                    Add(new Sample(round, threads, type, "llama.cpp", prefill, decode), "");
                }
            }

        void Add(Sample s, string note)
        {
            samples.Add(s);
            Console.Error.WriteLine($"round {s.Round}, {s.Threads} thread(s), {s.Type}, {s.Engine}: prefill {s.Prefill:F1} tokens/s, decode {s.Decode:F2} tokens/s {note}");
        }

        var rows = (from s in samples
                    group s by (s.Threads, s.Type) into g
                    let r = g.Where(x => x.Engine == "realm").ToList()
                    let l = g.Where(x => x.Engine == "llama.cpp").ToList()
                    select new
                    {
                        threads = g.Key.Threads, type = g.Key.Type,
                        realm_prefill = r.Count > 0 ? Stats.Median(r.Select(x => x.Prefill)) : (double?)null,
                        llama_prefill = Stats.Median(l.Select(x => x.Prefill)),
                        realm_decode = r.Count > 0 ? Stats.Median(r.Select(x => x.Decode)) : (double?)null,
                        llama_decode = Stats.Median(l.Select(x => x.Decode)),
                    }).ToList();
        if (o.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { isa = o.Avx2 ? "avx2" : "native", prompt = o.Prompt, gen = o.Gen, rounds = o.Rounds, rows, samples }));
            return 0;
        }
        Console.WriteLine($"batch 1, prompt {o.Prompt} tokens, decode {o.Gen} steps; medians of {o.Rounds} round(s); isa {(o.Avx2 ? "avx2" : "native")}");
        Console.WriteLine($"{"threads",7} {"weights",-8} {"prefill realm",14} {"llama.cpp",10} {"ratio",6}   {"decode realm",13} {"llama.cpp",10} {"ratio",6}");
        static string Num(double? v, string f) => v is { } x ? x.ToString(f) : "n/a";
        static string Ratio(double? a, double b) => a is { } x ? $"{x / b:F2}x" : "n/a";
        foreach (var r in rows)
            Console.WriteLine($"{r.threads,7} {r.type,-8} {Num(r.realm_prefill, "F1"),14} {r.llama_prefill,10:F1} {Ratio(r.realm_prefill, r.llama_prefill),6}   " +
                              $"{Num(r.realm_decode, "F2"),13} {r.llama_decode,10:F2} {Ratio(r.realm_decode, r.llama_decode),6}");
        return 0;
    }

    /// <summary>
    /// Prefill tokens/s (median of 3 passes after one untimed) and decode tokens/s (1 / median of <paramref name="gen"/>
    /// steps after the prompt and two untimed steps; each step feeds the previous step's greedy token).
    /// </summary>
    private static (double Prefill, double Decode) MeasureLlama(string gguf, int threads, int[] prompt, int gen, bool? flash)
    {
        using var llama = new LlamaCppEngine(gguf, threads, prompt.Length + WarmupSteps + gen + 1, prompt.Length, f32Cache: false, flash);
        llama.Prefill(prompt);
        var prefill = Enumerable.Range(0, PrefillPasses).Select(_ => llama.Prefill(prompt)).ToList();
        var steps = new List<double>();
        int pos = prompt.Length;
        for (int i = 0; i < WarmupSteps + gen; i++)
        {
            int next = Stats.Top1(llama.LastLogits()).Id;
            double t = llama.Step(next, pos++);
            if (i >= WarmupSteps) steps.Add(t);
        }
        return (prompt.Length / Stats.Median(prefill), 1 / Stats.Median(steps));
    }
}
