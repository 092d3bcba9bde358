using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Realm.Engine.Compute;

/// <summary>
/// Measures this machine's memory read rate: every thread sums its share of a buffer far larger than the
/// caches (vector loads, 8 independent accumulators, so the loop is bound by memory and not by the adds).
/// This is the ceiling of batch-1 decoding, which reads the weights and the KV cache once per token and
/// writes almost nothing.
/// </summary>
public static unsafe class ReadBandwidth
{
    private const long Chunk = 4L << 20;

    /// <summary>Best of <paramref name="repeats"/> reads of <paramref name="bytes"/> bytes, in GB/s (10⁹ bytes).</summary>
    public static double MeasureGBps(Cpu cpu, long bytes = 1L << 30, int repeats = 5)
    {
        using var probe = new Probe(cpu, bytes);
        double best = 0;
        for (int r = 0; r < repeats; r++) best = Math.Max(best, probe.MeasureGBps());
        return best;
    }

    /// <summary>
    /// A buffer kept for repeated single reads, so a benchmark can measure the bandwidth right beside each
    /// timed pass: on a shared machine the rate available changes from moment to moment.
    /// </summary>
    public sealed class Probe : IDisposable
    {
        private readonly Cpu _cpu;
        private readonly NativeBuffer _source;
        private readonly float[] _sums;
        private readonly int _chunks;

        public Probe(Cpu cpu, long bytes)
        {
            _cpu = cpu;
            _source = new NativeBuffer(bytes / sizeof(float)); // zeroed: every page is touched before timing
            _chunks = (int)((_source.Length * sizeof(float) + Chunk - 1) / Chunk);
            _sums = new float[_chunks];
            MeasureGBps();
        }

        /// <summary>One read of the whole buffer by every thread, in GB/s.</summary>
        public double MeasureGBps()
        {
            fixed (float* s = _sums)
            {
                var sw = Stopwatch.StartNew();
                _cpu.Pool.For(_chunks, new SumWork(_source.Ptr, _source.Length, s));
                return _source.Length * sizeof(float) / sw.Elapsed.TotalSeconds / 1e9;
            }
        }

        public void Dispose() => _source.Dispose();
    }

    private readonly struct SumWork : IParallelWork
    {
        private readonly float* _source, _sums;
        private readonly long _floats;
        public SumWork(float* source, long floats, float* sums) { _source = source; _floats = floats; _sums = sums; }

        public void Run(int index)
        {
            long at = index * (Chunk / sizeof(float)), end = Math.Min(_floats, at + Chunk / sizeof(float));
            float* p = _source + at;
            long n = end - at, i = 0;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (; i + 64 <= n; i += 64)
            {
                a0 += Vector256.Load(p + i); a1 += Vector256.Load(p + i + 8);
                a2 += Vector256.Load(p + i + 16); a3 += Vector256.Load(p + i + 24);
                a4 += Vector256.Load(p + i + 32); a5 += Vector256.Load(p + i + 40);
                a6 += Vector256.Load(p + i + 48); a7 += Vector256.Load(p + i + 56);
            }
            float s = Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
            for (; i < n; i++) s += p[i];
            _sums[index] = s; // kept, so the loads are not optimised away
        }
    }
}
