using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// RMSNorm as in Llama: y = w ∘ x / sqrt(mean(x²) + eps), per row. Forward keeps 1/rms per row for the
/// backward pass.
/// </summary>
public static unsafe class RmsNorm
{
    private const int BackwardChunk = 32;

    [ThreadStatic] private static NativeBuffer? t_partials;

    /// <summary>y = norm(x) ∘ w. <paramref name="rstd"/> (one per row) may be null when no backward follows.</summary>
    public static void Forward(Cpu cpu, float* x, float* weight, float* y, float* rstd, int rows, int dim, float eps)
    {
        using var _ = Profiler.Measure("rmsnorm forward");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, dim),
            new ForwardWork(cpu.Simd, x, weight, y, rstd, dim, eps));
    }

    /// <summary>dx += ∂L/∂x and dWeight += ∂L/∂w, given dy = ∂L/∂y.</summary>
    public static void Backward(Cpu cpu, float* dy, float* x, float* weight, float* rstd, float* dx, float* dWeight,
        int rows, int dim)
    {
        using var _ = Profiler.Measure("rmsnorm backward");
        int chunks = ParallelRows.ChunkCount(rows, BackwardChunk);
        float* partials = Scratch.Get(ref t_partials, (long)chunks * dim);
        ParallelRows.For(cpu, rows, BackwardChunk, new BackwardWork(cpu.Simd, dy, x, weight, rstd, dx, partials, dim));
        // Sum the per-chunk weight gradients in chunk order: the same result for any thread count.
        ParallelRows.For(cpu, dim, Math.Max(16, dim / (2 * cpu.Threads)), new SumColumnsWork(partials, chunks, dim, dWeight));
    }

    private readonly struct ForwardWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _x, _w, _y, _rstd;
        private readonly int _dim;
        private readonly float _eps;
        public ForwardWork(SimdLevel simd, float* x, float* w, float* y, float* rstd, int dim, float eps)
        { _simd = simd; _x = x; _w = w; _y = y; _rstd = rstd; _dim = dim; _eps = eps; }

        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                float* x = _x + (long)r * _dim, y = _y + (long)r * _dim;
                float rs = 1f / MathF.Sqrt(Vectorized.SumSquares(_simd, x, _dim) / _dim + _eps);
                if (_rstd != null) _rstd[r] = rs;
                Vectorized.ScaleMultiply(_simd, x, rs, _w, y, _dim);
            }
        }
    }

    private readonly struct BackwardWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _dy, _x, _w, _rstd, _dx, _partials;
        private readonly int _dim;
        public BackwardWork(SimdLevel simd, float* dy, float* x, float* w, float* rstd, float* dx, float* partials, int dim)
        { _simd = simd; _dy = dy; _x = x; _w = w; _rstd = rstd; _dx = dx; _partials = partials; _dim = dim; }

        public void Rows(int start, int end)
        {
            float* dw = _partials + (long)(start / BackwardChunk) * _dim;
            new Span<float>(dw, _dim).Clear();
            for (int r = start; r < end; r++)
            {
                long o = (long)r * _dim;
                switch (_simd)
                {
                    case SimdLevel.Vector512: Row<V512>(_dy + o, _x + o, _w, _rstd[r], _dx + o, dw, _dim); break;
                    case SimdLevel.Vector256: Row<V256>(_dy + o, _x + o, _w, _rstd[r], _dx + o, dw, _dim); break;
                    default: Row<V1>(_dy + o, _x + o, _w, _rstd[r], _dx + o, dw, _dim); break;
                }
            }
        }

        // With x̂ = x·r and g = dy∘w: dx = r·(g − x̂·mean(g∘x̂)), dw = Σ_rows dy∘x̂.
        private static void Row<T>(float* dy, float* x, float* w, float r, float* dx, float* dw, int n) where T : struct, IVec<T>
        {
            int main = n - n % T.Count;
            var acc = T.Zero;
            for (int i = 0; i < main; i += T.Count) acc = T.Fma(T.Load(dy + i) * T.Load(w + i), T.Load(x + i), acc);
            float dot = T.Sum(acc);
            for (int i = main; i < n; i++) dot += dy[i] * w[i] * x[i];
            float c = dot * r * r / n;
            var vr = T.Splat(r);
            var vc = T.Splat(c);
            for (int i = 0; i < main; i += T.Count)
            {
                var xi = T.Load(x + i);
                var dyi = T.Load(dy + i);
                T.Store(T.Load(dx + i) + vr * (dyi * T.Load(w + i) - xi * vc), dx + i);
                T.Store(T.Fma(dyi, xi * vr, T.Load(dw + i)), dw + i);
            }
            for (int i = main; i < n; i++)
            {
                dx[i] += r * (dy[i] * w[i] - x[i] * c);
                dw[i] += dy[i] * x[i] * r;
            }
        }
    }

    private readonly struct SumColumnsWork : IRowWork
    {
        private readonly float* _partials, _dst;
        private readonly int _chunks, _dim;
        public SumColumnsWork(float* partials, int chunks, int dim, float* dst)
        { _partials = partials; _chunks = chunks; _dim = dim; _dst = dst; }

        public void Rows(int start, int end)
        {
            for (int c = 0; c < _chunks; c++)
            {
                float* p = _partials + (long)c * _dim;
                for (int j = start; j < end; j++) _dst[j] += p[j];
            }
        }
    }
}
