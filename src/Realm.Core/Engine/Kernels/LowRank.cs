using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// The two skinny products of a LoRA adapter that the general GEMM does poorly — it would pack the large
/// operand to produce only r columns: projecting rows onto r directions (x·M, M being k×r), and the rank-r
/// gradient xᵀ·h. Both read the large matrix once, in place, and keep the r-wide side in vector
/// registers. Every output element is summed over k (or the rows) in order by one task, so results do not
/// depend on the thread count. Ranks that are not a multiple of the vector width go through padded copies.
/// </summary>
public static unsafe class LowRank
{
    private const int RowGroup = 8; // rows (or columns) per register block: eight independent FMA chains

    [ThreadStatic] private static NativeBuffer? t_m, t_out;

    /// <summary>out[n×r] = x[n×k]·m[k×r]: x has row stride <paramref name="ldx"/>, m and out are dense.</summary>
    public static void Project(Cpu cpu, float* x, int ldx, int n, int k, float* m, int r, float* output)
    {
        using var _ = Profiler.Measure("low-rank project");
        switch (cpu.Simd)
        {
            case SimdLevel.Vector512: Project<V512>(cpu, x, ldx, n, k, m, r, output); break;
            case SimdLevel.Vector256: Project<V256>(cpu, x, ldx, n, k, m, r, output); break;
            default: Project<V1>(cpu, x, ldx, n, k, m, r, output); break;
        }
    }

    /// <summary>g[k×r] += x[n×k]ᵀ·h[n×r]: x has row stride <paramref name="ldx"/>, h and g are dense.</summary>
    public static void AccumulateGradient(Cpu cpu, float* x, int ldx, int n, int k, float* h, int r, float* g)
    {
        using var _ = Profiler.Measure("low-rank gradient");
        switch (cpu.Simd)
        {
            case SimdLevel.Vector512: AccumulateGradient<V512>(cpu, x, ldx, n, k, h, r, g); break;
            case SimdLevel.Vector256: AccumulateGradient<V256>(cpu, x, ldx, n, k, h, r, g); break;
            default: AccumulateGradient<V1>(cpu, x, ldx, n, k, h, r, g); break;
        }
    }

    private static void Project<T>(Cpu cpu, float* x, int ldx, int n, int k, float* m, int r, float* output) where T : struct, IVec<T>
    {
        int padded = Gemm.RoundUp(r, T.Count);
        float* mp = m, op = output;
        if (padded != r)
        {
            mp = Pad(ref t_m, m, k, r, padded);
            op = Scratch.Get(ref t_out, (long)n * padded);
        }
        int groups = (n + RowGroup - 1) / RowGroup;
        ParallelRows.For(cpu, groups, ParallelRows.ChunkFor(cpu, groups, RowGroup * k), new ProjectWork<T>(x, ldx, n, k, mp, padded, op));
        if (padded != r)
            for (int i = 0; i < n; i++) Buffer.MemoryCopy(op + (long)i * padded, output + (long)i * r, r * 4L, r * 4L);
    }

    private static void AccumulateGradient<T>(Cpu cpu, float* x, int ldx, int n, int k, float* h, int r, float* g) where T : struct, IVec<T>
    {
        int padded = Gemm.RoundUp(r, T.Count);
        float* hp = h, gp = g;
        if (padded != r)
        {
            hp = Pad(ref t_m, h, n, r, padded);
            gp = Pad(ref t_out, g, k, r, padded);
        }
        int groups = (k + RowGroup - 1) / RowGroup;
        ParallelRows.For(cpu, groups, ParallelRows.ChunkFor(cpu, groups, RowGroup * n), new GradientWork<T>(x, ldx, n, k, hp, padded, gp));
        if (padded != r)
            for (int j = 0; j < k; j++) Buffer.MemoryCopy(gp + (long)j * padded, g + (long)j * r, r * 4L, r * 4L);
    }

    /// <summary>A rows×cols matrix copied into scratch with each row zero-padded to <paramref name="padded"/> columns.</summary>
    private static float* Pad(ref NativeBuffer? scratch, float* source, int rows, int cols, int padded)
    {
        float* p = Scratch.Get(ref scratch, (long)rows * padded);
        for (int i = 0; i < rows; i++)
        {
            Buffer.MemoryCopy(source + (long)i * cols, p + (long)i * padded, cols * 4L, cols * 4L);
            new Span<float>(p + (long)i * padded + cols, padded - cols).Clear();
        }
        return p;
    }

    /// <summary>Groups of eight rows of x, each against all of m: per k one load of m and eight broadcasts of x.</summary>
    private readonly struct ProjectWork<T> : IRowWork where T : struct, IVec<T>
    {
        private readonly float* _x, _m, _out;
        private readonly int _ldx, _n, _k, _r;

        public ProjectWork(float* x, int ldx, int n, int k, float* m, int r, float* output)
        { _x = x; _ldx = ldx; _n = n; _k = k; _m = m; _r = r; _out = output; }

        public void Rows(int start, int end)
        {
            for (int group = start; group < end; group++)
            {
                int i0 = group * RowGroup, rows = Math.Min(RowGroup, _n - i0);
                float* x = _x + (long)i0 * _ldx;
                for (int c = 0; c < _r; c += T.Count)
                {
                    if (rows == RowGroup) Full(i0, c);
                    else
                        for (int i = 0; i < rows; i++)
                        {
                            var acc = T.Zero;
                            for (int kk = 0; kk < _k; kk++) acc = T.Fma(T.Splat(x[(long)i * _ldx + kk]), T.Load(_m + (long)kk * _r + c), acc);
                            T.Store(acc, _out + (long)(i0 + i) * _r + c);
                        }
                }
            }
        }

        private void Full(int i0, int c)
        {
            float* x = _x + (long)i0 * _ldx;
            long l = _ldx;
            T a0 = T.Zero, a1 = T.Zero, a2 = T.Zero, a3 = T.Zero, a4 = T.Zero, a5 = T.Zero, a6 = T.Zero, a7 = T.Zero;
            for (int kk = 0; kk < _k; kk++)
            {
                var m = T.Load(_m + (long)kk * _r + c);
                float* xk = x + kk;
                a0 = T.Fma(T.Splat(xk[0]), m, a0);
                a1 = T.Fma(T.Splat(xk[l]), m, a1);
                a2 = T.Fma(T.Splat(xk[2 * l]), m, a2);
                a3 = T.Fma(T.Splat(xk[3 * l]), m, a3);
                a4 = T.Fma(T.Splat(xk[4 * l]), m, a4);
                a5 = T.Fma(T.Splat(xk[5 * l]), m, a5);
                a6 = T.Fma(T.Splat(xk[6 * l]), m, a6);
                a7 = T.Fma(T.Splat(xk[7 * l]), m, a7);
            }
            float* o = _out + (long)i0 * _r + c;
            T.Store(a0, o); T.Store(a1, o + _r); T.Store(a2, o + 2 * _r); T.Store(a3, o + 3 * _r);
            T.Store(a4, o + 4 * _r); T.Store(a5, o + 5 * _r); T.Store(a6, o + 6 * _r); T.Store(a7, o + 7 * _r);
        }
    }

    /// <summary>Groups of eight columns of x (rows of g), each summed over all rows: per row one load of h and eight broadcasts of x.</summary>
    private readonly struct GradientWork<T> : IRowWork where T : struct, IVec<T>
    {
        private readonly float* _x, _h, _g;
        private readonly int _ldx, _n, _k, _r;

        public GradientWork(float* x, int ldx, int n, int k, float* h, int r, float* g)
        { _x = x; _ldx = ldx; _n = n; _k = k; _h = h; _r = r; _g = g; }

        public void Rows(int start, int end)
        {
            for (int group = start; group < end; group++)
            {
                int j0 = group * RowGroup, cols = Math.Min(RowGroup, _k - j0);
                for (int c = 0; c < _r; c += T.Count)
                {
                    if (cols == RowGroup) Full(j0, c);
                    else
                        for (int j = j0; j < j0 + cols; j++)
                        {
                            float* g = _g + (long)j * _r + c;
                            var acc = T.Load(g);
                            for (int i = 0; i < _n; i++) acc = T.Fma(T.Splat(_x[(long)i * _ldx + j]), T.Load(_h + (long)i * _r + c), acc);
                            T.Store(acc, g);
                        }
                }
            }
        }

        private void Full(int j0, int c)
        {
            float* g = _g + (long)j0 * _r + c;
            long r = _r;
            T a0 = T.Load(g), a1 = T.Load(g + r), a2 = T.Load(g + 2 * r), a3 = T.Load(g + 3 * r);
            T a4 = T.Load(g + 4 * r), a5 = T.Load(g + 5 * r), a6 = T.Load(g + 6 * r), a7 = T.Load(g + 7 * r);
            for (int i = 0; i < _n; i++)
            {
                var h = T.Load(_h + (long)i * _r + c);
                float* xi = _x + (long)i * _ldx + j0;
                a0 = T.Fma(T.Splat(xi[0]), h, a0);
                a1 = T.Fma(T.Splat(xi[1]), h, a1);
                a2 = T.Fma(T.Splat(xi[2]), h, a2);
                a3 = T.Fma(T.Splat(xi[3]), h, a3);
                a4 = T.Fma(T.Splat(xi[4]), h, a4);
                a5 = T.Fma(T.Splat(xi[5]), h, a5);
                a6 = T.Fma(T.Splat(xi[6]), h, a6);
                a7 = T.Fma(T.Splat(xi[7]), h, a7);
            }
            T.Store(a0, g); T.Store(a1, g + r); T.Store(a2, g + 2 * r); T.Store(a3, g + 3 * r);
            T.Store(a4, g + 4 * r); T.Store(a5, g + 5 * r); T.Store(a6, g + 6 * r); T.Store(a7, g + 7 * r);
        }
    }
}
