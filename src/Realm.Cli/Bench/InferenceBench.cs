using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Model;

namespace Realm.Cli.Bench;

/// <summary>The model and workload <c>realm bench inference</c> times: by default Qwen2.5-0.5B's shape.</summary>
internal sealed record InferenceBenchShape(QwenShape Model, int Prompt, int[] DecodeBatches, int DecodeContext, int Steps,
    WeightFormat[] Formats);

/// <summary>
/// One decoding measurement: tokens/s at a batch size, the weight bytes it reads per second (one pass over
/// the packed matrices per step) and that rate as a share of the measured copy bandwidth.
/// </summary>
internal sealed record DecodeResult(int Batch, double TokensPerS, double WeightGBps, double BandwidthShare);

internal sealed record FormatResult(WeightFormat Format, long WeightBytes, double PrefillTokensPerS, IReadOnlyList<DecodeResult> Decode);

/// <summary>What <c>realm bench inference --json</c> prints.</summary>
internal sealed record InferenceBenchResult(long Params, double CopyGBps, IReadOnlyList<FormatResult> Formats, double PeakRssMb);

/// <summary>
/// Prefill and KV-cache decoding speed of a random Qwen2-style model (q/k/v biases, tied embeddings) with
/// F32 and BF16 weights, in one process, against the machine's copy bandwidth measured in the same run.
/// Times the model's own steps (<see cref="LlamaModel.Extend"/>: logits included, sampling not). Prefill is
/// the median of 3 passes over one prompt; decoding the median step of <c>Steps</c> steps after two
/// untimed ones, every sequence holding <c>DecodeContext</c> tokens before the first.
/// </summary>
internal static class InferenceBench
{
    private const int PrefillRuns = 3, WarmupSteps = 2;

    public static InferenceBenchResult Run(Cpu cpu, InferenceBenchShape s, Action<string> status)
    {
        int maxBatch = s.DecodeBatches.Max();
        var config = s.Model.Config(maxPositions: Math.Max(s.Prompt, s.DecodeContext + WarmupSteps + s.Steps));
        status($"initialising a random {config.ParameterCount:N0}-parameter model");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);
        status("memory copy bandwidth");
        double copy = CopyBandwidth.MeasureGBps(cpu);

        using var cache = new KvCache(config, maxBatch, config.MaxPositionEmbeddings);
        using var acts = new Activations(model.Layout, Math.Max(s.Prompt, maxBatch * s.DecodeContext), forTraining: false, logitBudget: 0);
        var results = new List<FormatResult>();
        // F32 first: keeping only BF16 weights frees the model's F32 buffer for good.
        foreach (var format in s.Formats.OrderBy(f => f == WeightFormat.Bf16))
        {
            string name = format.ToString().ToUpperInvariant();
            status($"{name}: packing the weights");
            PackedWeights? own = null;
            if (format == WeightFormat.Bf16) model.KeepOnlyBf16Weights();
            else own = new PackedWeights(model);
            var weights = own ?? model.Bf16Weights!;
            try
            {
                var runner = new Runner(model, weights, cache, acts);
                status($"{name}: prefill of a {s.Prompt}-token prompt");
                double prefill = runner.PrefillTokensPerSecond(s.Prompt);
                var decode = new List<DecodeResult>();
                foreach (int batch in s.DecodeBatches)
                {
                    status($"{name}: decoding {batch} sequence(s), {s.Steps} steps");
                    double stepsPerS = runner.DecodeStepsPerSecond(batch, s.DecodeContext, s.Steps);
                    double gbps = weights.MatrixBytes * stepsPerS / 1e9;
                    decode.Add(new DecodeResult(batch, batch * stepsPerS, gbps, gbps / copy));
                }
                results.Add(new FormatResult(format, weights.MatrixBytes, prefill, decode));
            }
            finally
            {
                own?.Dispose();
            }
        }
        double rss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new InferenceBenchResult(model.ParameterCount, copy, results, rss);
    }

    private sealed class Runner(LlamaModel model, PackedWeights weights, KvCache cache, Activations acts)
    {
        private readonly SplitMix64 _rng = new(3);
        private readonly float[] _logits = new float[(long)cache.Slots * model.Config.VocabSize];

        private int[] RandomTokens(int count) => Enumerable.Range(0, count).Select(_ => _rng.NextInt(model.Config.VocabSize)).ToArray();

        private void Extend(int[] tokens, int[] slots, int[] counts) =>
            model.Extend(cache, weights, acts, tokens, slots, counts, _logits.AsSpan(0, slots.Length * model.Config.VocabSize));

        public double PrefillTokensPerSecond(int prompt)
        {
            var tokens = RandomTokens(prompt);
            cache.Reset();
            Extend(tokens[..Math.Min(prompt, 32)], [0], [Math.Min(prompt, 32)]); // warm-up
            var times = new List<double>();
            for (int run = 0; run < PrefillRuns; run++)
            {
                cache.Reset();
                var sw = Stopwatch.StartNew();
                Extend(tokens, [0], [prompt]);
                times.Add(sw.Elapsed.TotalSeconds);
            }
            return prompt / EngineBench.Median(times);
        }

        public double DecodeStepsPerSecond(int batch, int context, int steps)
        {
            cache.Reset();
            var slots = Enumerable.Range(0, batch).ToArray();
            Extend(RandomTokens(batch * context), slots, Enumerable.Repeat(context, batch).ToArray());
            var ones = Enumerable.Repeat(1, batch).ToArray();
            var times = new List<double>();
            for (int step = 0; step < WarmupSteps + steps; step++)
            {
                var next = RandomTokens(batch);
                var sw = Stopwatch.StartNew();
                Extend(next, slots, ones);
                if (step >= WarmupSteps) times.Add(sw.Elapsed.TotalSeconds);
            }
            return 1 / EngineBench.Median(times);
        }
    }
}
