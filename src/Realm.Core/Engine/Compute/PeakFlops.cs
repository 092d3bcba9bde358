using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Realm.Engine.Compute;

/// <summary>
/// Measures this machine's float32 FMA throughput: every thread runs a loop of 12 independent vector FMA
/// chains that never touches memory. The result is the ceiling that MFU is reported against.
/// </summary>
public static class PeakFlops
{
    private const int Iterations = 2_000_000;

    public static double MeasureGflops(Cpu cpu, int repeats = 5)
    {
        Run(cpu, Iterations / 10); // warm up the JIT and the cores
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            Run(cpu, Iterations);
            double seconds = sw.Elapsed.TotalSeconds;
            int lanes = cpu.Simd switch { SimdLevel.Vector512 => V512.Count, SimdLevel.Vector256 => V256.Count, _ => 1 };
            best = Math.Max(best, cpu.Threads * (double)Iterations * 12 * lanes * 2 / seconds / 1e9);
        }
        return best;
    }

    private static void Run(Cpu cpu, int iterations) => cpu.Pool.For(cpu.Threads, new Work(cpu.Simd, iterations));

    private readonly struct Work : IParallelWork
    {
        private readonly SimdLevel _simd;
        private readonly int _iterations;
        public Work(SimdLevel simd, int iterations) { _simd = simd; _iterations = iterations; }

        public void Run(int index)
        {
            float sink = _simd switch
            {
                SimdLevel.Vector512 => Loop<V512>(_iterations),
                SimdLevel.Vector256 => Loop<V256>(_iterations),
                _ => Loop<V1>(_iterations),
            };
            if (sink == 12345.678f) Console.Write(""); // keeps the loop from being optimised away
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop<T>(int n) where T : struct, IVec<T>
    {
        var m = T.Splat(0.999999f);
        var a = T.Splat(1e-7f);
        T c0 = T.Splat(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < n; i++)
        {
            c0 = T.Fma(c0, m, a); c1 = T.Fma(c1, m, a); c2 = T.Fma(c2, m, a); c3 = T.Fma(c3, m, a);
            c4 = T.Fma(c4, m, a); c5 = T.Fma(c5, m, a); c6 = T.Fma(c6, m, a); c7 = T.Fma(c7, m, a);
            c8 = T.Fma(c8, m, a); c9 = T.Fma(c9, m, a); c10 = T.Fma(c10, m, a); c11 = T.Fma(c11, m, a);
        }
        return T.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
