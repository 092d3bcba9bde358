using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Model;

namespace Realm.Cli.Bench;

/// <summary>The model and workload <c>realm bench inference</c> times: by default Qwen2.5-0.5B's shape.</summary>
internal sealed record InferenceBenchShape(QwenShape Model, int Prompt, int[] DecodeBatches, int DecodeContext, int Steps,
    WeightFormat[] Formats);

/// <summary>
/// One decoding measurement: tokens/s at a batch size, the bytes one step reads (every packed matrix once,
/// plus each sequence's KV cache), that per token, the rate it reads them at, and that rate as a share of
/// the read bandwidth (batch 1 is bound by it): the median over steps of the step's rate ÷ the bandwidth
/// measured right after it (<see cref="ReadBandwidth.Probe"/>), so both saw the same load on a shared machine.
/// </summary>
internal sealed record DecodeResult(int Batch, double TokensPerS, long BytesPerStep, double ReadGBps, double BandwidthShare)
{
    public double BytesPerToken => (double)BytesPerStep / Batch;
}

internal sealed record FormatResult(WeightFormat Format, long WeightBytes, double PrefillTokensPerS, IReadOnlyList<DecodeResult> Decode);

/// <summary>
/// What <c>realm bench inference --json</c> prints. <see cref="CpuShare"/>: CPU time the process got during
/// the timed passes ÷ (their wall time × threads); well below 1 means the machine was busy with other work.
/// </summary>
internal sealed record InferenceBenchResult(long Params, double ReadGBps, double CopyGBps, IReadOnlyList<FormatResult> Formats,
    double CpuShare, double PeakRssMb);

/// <summary>
/// Prefill and KV-cache decoding speed of a random Qwen2-style model (q/k/v biases, tied embeddings) with
/// F32, BF16 and Q8 weights, against the machine's read bandwidth (1 GiB summed by every thread) measured in
/// the same run. Times the model's own steps (<see cref="LlamaModel.Extend"/>: logits included, sampling
/// not). The formats take turns pass by pass, so on a shared machine all see the same load and their ratios
/// hold. Prefill: the median of 3 passes over one prompt; decoding: the median step of <c>Steps</c> after
/// two untimed ones, every sequence holding <c>DecodeContext</c> tokens before the first.
/// </summary>
internal static class InferenceBench
{
    private const int PrefillRuns = 3, WarmupSteps = 2;

    /// <summary>The read measured beside each decoding step: 8× the last-level cache, about one step's bytes.</summary>
    private const long ProbeBytes = 256L << 20;

    public static InferenceBenchResult Run(Cpu cpu, InferenceBenchShape s, Action<string> status)
    {
        var config = s.Model.Config(maxPositions: Math.Max(s.Prompt, s.DecodeContext + WarmupSteps + s.Steps));
        status($"initialising a random {config.ParameterCount:N0}-parameter model");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);
        status("memory read bandwidth");
        double read = ReadBandwidth.MeasureGBps(cpu);
        status("memory copy bandwidth");
        double copy = CopyBandwidth.MeasureGBps(cpu);
        using var probe = new ReadBandwidth.Probe(cpu, ProbeBytes);

        int maxBatch = s.DecodeBatches.Max();
        using var acts = new Activations(model.Layout, Math.Max(s.Prompt, maxBatch * s.DecodeContext), forTraining: false, logitBudget: 0);
        using var prefillCache = new KvCache(config, 1, s.Prompt);
        var runners = new List<Runner>();
        try
        {
            foreach (var format in s.Formats)
            {
                status($"packing the weights as {Name(format)}");
                runners.Add(new Runner(model, new PackedWeights(model, format), acts,
                    new KvCache(config, maxBatch, s.DecodeContext + WarmupSteps + s.Steps)));
            }
            var clock = new TimedPasses(cpu.Threads);
            var rng = new SplitMix64(3);
            int[] RandomTokens(int count) => Enumerable.Range(0, count).Select(_ => rng.NextInt(config.VocabSize)).ToArray();

            status($"prefill of a {s.Prompt}-token prompt");
            var prompt = RandomTokens(s.Prompt);
            foreach (var r in runners) r.Prefill(prefillCache, prompt[..Math.Min(s.Prompt, 32)]); // warm-up
            var prefill = runners.Select(_ => new List<double>()).ToList();
            for (int run = 0; run < PrefillRuns; run++)
                for (int i = 0; i < runners.Count; i++)
                    prefill[i].Add(clock.Time(() => runners[i].Prefill(prefillCache, prompt)));

            var decode = runners.Select(_ => new List<DecodeResult>()).ToList();
            foreach (int batch in s.DecodeBatches)
            {
                status($"decoding {batch} sequence(s), {s.Steps} steps");
                var context = RandomTokens(batch * s.DecodeContext);
                foreach (var r in runners) r.StartDecoding(batch, context);
                var steps = runners.Select(_ => new List<double>()).ToList();
                var besides = runners.Select(_ => new List<double>()).ToList(); // read bandwidth right after each timed step
                for (int step = 0; step < WarmupSteps + s.Steps; step++)
                {
                    var next = RandomTokens(batch);
                    for (int i = 0; i < runners.Count; i++)
                    {
                        if (step < WarmupSteps) runners[i].Step(next);
                        else
                        {
                            steps[i].Add(clock.Time(() => runners[i].Step(next)));
                            besides[i].Add(probe.MeasureGBps());
                        }
                    }
                }
                // Keys and values every sequence reads per step, at the median step's length.
                long kvBytes = 2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * sizeof(float)
                               * (s.DecodeContext + WarmupSteps + s.Steps / 2) * batch;
                for (int i = 0; i < runners.Count; i++)
                {
                    double stepsPerS = 1 / EngineBench.Median(steps[i]);
                    long bytes = runners[i].Weights.MatrixBytes + kvBytes;
                    double gbps = bytes * stepsPerS / 1e9;
                    double share = EngineBench.Median(steps[i].Select((t, j) => bytes / t / 1e9 / besides[i][j]).ToList());
                    decode[i].Add(new DecodeResult(batch, batch * stepsPerS, bytes, gbps, share));
                }
            }
            var results = runners.Select((r, i) =>
                new FormatResult(r.Weights.Format, r.Weights.MatrixBytes, s.Prompt / EngineBench.Median(prefill[i]), decode[i])).ToList();
            double rss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            return new InferenceBenchResult(model.ParameterCount, read, copy, results, clock.CpuShare, rss);
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    public static string Name(WeightFormat format) => format.ToString().ToUpperInvariant();

    /// <summary>One format's packed weights and decoding cache.</summary>
    private sealed class Runner(LlamaModel model, PackedWeights weights, Activations acts, KvCache cache) : IDisposable
    {
        private readonly float[] _logits = new float[(long)cache.Slots * model.Config.VocabSize];
        private int[] _slots = [];

        public PackedWeights Weights => weights;

        private void Extend(KvCache target, int[] tokens, int[] slots, int[] counts) =>
            model.Extend(target, weights, acts, tokens, slots, counts, _logits.AsSpan(0, slots.Length * model.Config.VocabSize));

        public void Prefill(KvCache target, int[] prompt)
        {
            target.Reset();
            Extend(target, prompt, [0], [prompt.Length]);
        }

        /// <summary>Fills <paramref name="batch"/> slots with the context, then <see cref="Step"/> decodes them together.</summary>
        public void StartDecoding(int batch, int[] context)
        {
            cache.Reset();
            _slots = Enumerable.Range(0, batch).ToArray();
            Extend(cache, context, _slots, Enumerable.Repeat(context.Length / batch, batch).ToArray());
        }

        public void Step(int[] next) => Extend(cache, next, _slots, Enumerable.Repeat(1, _slots.Length).ToArray());

        public void Dispose()
        {
            weights.Dispose();
            cache.Dispose();
        }
    }

    /// <summary>Wall time of each timed pass, and the CPU time the process got during all of them.</summary>
    private sealed class TimedPasses(int threads)
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private double _wall, _cpu;

        public double Time(Action pass)
        {
            _process.Refresh();
            var cpuBefore = _process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            pass();
            double seconds = sw.Elapsed.TotalSeconds;
            _process.Refresh();
            _cpu += (_process.TotalProcessorTime - cpuBefore).TotalSeconds;
            _wall += seconds;
            return seconds;
        }

        public double CpuShare => _wall > 0 ? _cpu / (_wall * threads) : 0;
    }
}
