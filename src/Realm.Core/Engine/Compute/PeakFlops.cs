using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
            int lanes = cpu.Simd switch { SimdLevel.Vector512 => 16, SimdLevel.Vector256 => 8, _ => 1 };
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
                SimdLevel.Vector512 => Loop512(_iterations),
                SimdLevel.Vector256 => Loop256(_iterations),
                _ => LoopScalar(_iterations),
            };
            if (sink == 12345.678f) Console.Write(""); // keeps the loop from being optimised away
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop512(int n)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop256(int n)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float LoopScalar(int n)
    {
        float c0 = 1, c1 = 1, c2 = 1, c3 = 1, c4 = 1, c5 = 1, c6 = 1, c7 = 1, c8 = 1, c9 = 1, c10 = 1, c11 = 1;
        for (int i = 0; i < n; i++)
        {
            c0 = MathF.FusedMultiplyAdd(c0, 0.999999f, 1e-7f); c1 = MathF.FusedMultiplyAdd(c1, 0.999999f, 1e-7f);
            c2 = MathF.FusedMultiplyAdd(c2, 0.999999f, 1e-7f); c3 = MathF.FusedMultiplyAdd(c3, 0.999999f, 1e-7f);
            c4 = MathF.FusedMultiplyAdd(c4, 0.999999f, 1e-7f); c5 = MathF.FusedMultiplyAdd(c5, 0.999999f, 1e-7f);
            c6 = MathF.FusedMultiplyAdd(c6, 0.999999f, 1e-7f); c7 = MathF.FusedMultiplyAdd(c7, 0.999999f, 1e-7f);
            c8 = MathF.FusedMultiplyAdd(c8, 0.999999f, 1e-7f); c9 = MathF.FusedMultiplyAdd(c9, 0.999999f, 1e-7f);
            c10 = MathF.FusedMultiplyAdd(c10, 0.999999f, 1e-7f); c11 = MathF.FusedMultiplyAdd(c11, 0.999999f, 1e-7f);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }
}
