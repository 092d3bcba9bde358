using System.Diagnostics;

namespace Realm.Engine.Compute;

/// <summary>
/// Measures this machine's memory copy rate: every thread copies its share of a buffer far larger than
/// the caches into another. Counted as bytes read plus bytes written per second, the ceiling that
/// memory-bound kernels (decoding) are reported against.
/// </summary>
public static unsafe class CopyBandwidth
{
    private const long Chunk = 4L << 20;

    /// <summary>Best of <paramref name="repeats"/> copies of <paramref name="bytes"/> bytes, in GB/s (10⁹ bytes) read + written.</summary>
    public static double MeasureGBps(Cpu cpu, long bytes = 512L << 20, int repeats = 5)
    {
        long floats = bytes / sizeof(float);
        using var source = new NativeBuffer(floats); // zeroed: every page is touched before timing
        using var target = new NativeBuffer(floats);
        var work = new CopyWork(source.Ptr, target.Ptr, floats * sizeof(float));
        int chunks = (int)((work.Bytes + Chunk - 1) / Chunk);
        cpu.Pool.For(chunks, work);
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            cpu.Pool.For(chunks, work);
            best = Math.Max(best, 2.0 * work.Bytes / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private readonly struct CopyWork : IParallelWork
    {
        private readonly byte* _source, _target;
        public readonly long Bytes;
        public CopyWork(float* source, float* target, long bytes) { _source = (byte*)source; _target = (byte*)target; Bytes = bytes; }

        public void Run(int index)
        {
            long at = index * Chunk, length = Math.Min(Chunk, Bytes - at);
            Buffer.MemoryCopy(_source + at, _target + at, length, length);
        }
    }
}
