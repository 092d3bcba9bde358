using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Kernels;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Cli.Bench;

/// <summary>The model shape <c>realm bench</c> times (a random Llama-family model).</summary>
internal sealed record BenchShape(int Dim, int Layers, int Heads, int KvHeads, int Ffn, int Vocab, int Seq, int Batch,
    int DecodeBatch, int Prompt, int Gen);

/// <summary>What <c>realm bench --json</c> prints; the names are the JSON keys.</summary>
internal sealed record BenchResult(long Params, double TrainTokensPerS, double DecodeTokensPerS, double GemmGflops,
    double PeakGflops, double Mfu, double PeakRssMb);

/// <summary>
/// Times training (forward + backward + AdamW on batch×seq tokens), batched KV-cache decoding (prefill of
/// the prompts included), a 1024³ SGEMM and the machine's FMA peak, in one process. Each figure is the
/// median of several runs after warm-up.
/// </summary>
internal static unsafe class EngineBench
{
    /// <summary>With profiling on, the time per stage of the timed training steps and decoding runs.</summary>
    public static List<(string Phase, IReadOnlyList<(string Name, double Seconds, long Calls)> Stages)> Profiles { get; } = new();

    public static BenchResult Run(Cpu cpu, BenchShape s, Action<string> status)
    {
        var config = new LlamaConfig
        {
            HiddenSize = s.Dim, IntermediateSize = s.Ffn, NumHiddenLayers = s.Layers, NumAttentionHeads = s.Heads,
            NumKeyValueHeads = s.KvHeads, VocabSize = s.Vocab, TieWordEmbeddings = false,
            MaxPositionEmbeddings = Math.Max(s.Seq, s.Prompt + s.Gen),
        }.Validate("bench shape");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);

        status("peak FMA throughput");
        double peak = PeakFlops.MeasureGflops(cpu);
        status("1024³ sgemm");
        double gemm = Gemm1024(cpu);
        status($"training: {s.Batch}×{s.Seq} tokens per step");
        double train = TrainTokensPerSecond(model, s);
        status($"decoding: {s.DecodeBatch} sequences, {s.Prompt}-token prompts, {s.Gen} new tokens");
        double decode = DecodeTokensPerSecond(model, s);
        double rss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new BenchResult(model.ParameterCount, train, decode, gemm, peak, 6.0 * model.ParameterCount * train / (peak * 1e9), rss);
    }

    internal static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    private static double Gemm1024(Cpu cpu)
    {
        const int n = 1024;
        using var a = new NativeBuffer(n * n);
        using var b = new NativeBuffer(n * n);
        using var c = new NativeBuffer(n * n);
        var rng = new SplitMix64(2);
        for (int i = 0; i < n * n; i++) { a.Ptr[i] = (float)rng.NextDouble(); b.Ptr[i] = (float)rng.NextDouble(); }
        for (int i = 0; i < 3; i++) Gemm.Multiply(cpu, n, n, n, a.Ptr, n, false, b.Ptr, n, false, c.Ptr, n, false);
        var times = new List<double>();
        for (int i = 0; i < 15; i++)
        {
            var sw = Stopwatch.StartNew();
            Gemm.Multiply(cpu, n, n, n, a.Ptr, n, false, b.Ptr, n, false, c.Ptr, n, false);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / Median(times) / 1e9;
    }

    private static double TrainTokensPerSecond(LlamaModel model, BenchShape s)
    {
        int rows = s.Batch * s.Seq;
        var rng = new SplitMix64(3);
        var tokens = new int[rows];
        var targets = new int[rows];
        for (int i = 0; i < rows; i++) { tokens[i] = rng.NextInt(s.Vocab); targets[i] = rng.NextInt(s.Vocab); }
        var batch = new TokenBatch(tokens, targets, Enumerable.Repeat(s.Seq, s.Batch).ToArray());
        using var acts = new Activations(model.Layout, rows, forTraining: true);
        using var grads = new NativeBuffer(model.Layout.Total);
        using var adam = new AdamW(model.Trainable, new AdamWOptions());
        var lp = new float[rows];
        var coef = new float[rows];
        Array.Fill(coef, -1f / rows);
        void Step()
        {
            grads.Clear();
            model.Forward(batch, acts, lp);
            model.Backward(batch, acts, coef, grads);
            adam.Update(model.Cpu, grads, 1e-4f);
        }
        Step();
        Step();
        var times = new List<double>();
        Profiler.Reset();
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            Step();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        if (Profiler.Enabled) Profiles.Add(("training, 5 steps", Profiler.Snapshot()));
        return rows / Median(times);
    }

    private static double DecodeTokensPerSecond(LlamaModel model, BenchShape s)
    {
        var rng = new SplitMix64(4);
        var prompts = Enumerable.Range(0, s.DecodeBatch)
            .Select(_ => Enumerable.Range(0, s.Prompt).Select(_ => rng.NextInt(s.Vocab)).ToArray()).ToArray();
        using var generator = new Generator(model, s.DecodeBatch, s.Prompt + s.Gen);
        var options = new SamplingOptions { MaxNewTokens = s.Gen, Temperature = 1f, Seed = 5 };
        generator.Generate(prompts, options with { MaxNewTokens = Math.Min(16, s.Gen) });
        var times = new List<double>();
        Profiler.Reset();
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            generator.Generate(prompts, options);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        if (Profiler.Enabled) Profiles.Add(("decoding, 3 runs", Profiler.Snapshot()));
        return (double)s.DecodeBatch * s.Gen / Median(times);
    }
}
