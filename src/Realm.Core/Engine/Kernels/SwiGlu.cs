using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// The Llama MLP's gate: y = silu(g) ∘ u, where each input row holds the gate projection g (first
/// <c>width</c> values) followed by the up projection u, as one GEMM produces them.
/// </summary>
public static unsafe class SwiGlu
{
    public static void Forward(Cpu cpu, float* gateUp, float* y, int rows, int width)
    {
        using var _ = Profiler.Measure("swiglu forward");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, 3 * width), new Work(cpu.Simd, gateUp, y, null, width));
    }

    /// <summary>Writes ∂L/∂(g,u) into <paramref name="dGateUp"/> (same layout as the input) from dy.</summary>
    public static void Backward(Cpu cpu, float* gateUp, float* dy, float* dGateUp, int rows, int width)
    {
        using var _ = Profiler.Measure("swiglu backward");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, 3 * width), new Work(cpu.Simd, gateUp, dy, dGateUp, width));
    }

    private readonly struct Work : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _gu, _y, _dgu;
        private readonly int _width;
        public Work(SimdLevel simd, float* gu, float* y, float* dgu, int width)
        { _simd = simd; _gu = gu; _y = y; _dgu = dgu; _width = width; }

        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                float* gu = _gu + (long)r * 2 * _width, y = _y + (long)r * _width;
                if (_dgu == null)
                {
                    switch (_simd)
                    {
                        case SimdLevel.Vector512: ForwardRow<V512>(gu, y, _width); break;
                        case SimdLevel.Vector256: ForwardRow<V256>(gu, y, _width); break;
                        default: ForwardRow<V1>(gu, y, _width); break;
                    }
                }
                else
                {
                    float* dgu = _dgu + (long)r * 2 * _width;
                    switch (_simd)
                    {
                        case SimdLevel.Vector512: BackwardRow<V512>(gu, y, dgu, _width); break;
                        case SimdLevel.Vector256: BackwardRow<V256>(gu, y, dgu, _width); break;
                        default: BackwardRow<V1>(gu, y, dgu, _width); break;
                    }
                }
            }
        }

        private static void ForwardRow<T>(float* gu, float* y, int n) where T : struct, IVec<T>
        {
            int main = n - n % T.Count;
            var one = T.Splat(1f);
            for (int i = 0; i < main; i += T.Count)
            {
                var g = T.Load(gu + i);
                T.Store(g / (one + T.Exp(T.Zero - g)) * T.Load(gu + n + i), y + i);
            }
            for (int i = main; i < n; i++)
            {
                float g = gu[i];
                y[i] = g / (1f + MathF.Exp(-g)) * gu[n + i];
            }
        }

        // σ = sigmoid(g): ∂y/∂g = u·σ·(1 + g·(1 − σ)), ∂y/∂u = g·σ.
        private static void BackwardRow<T>(float* gu, float* dy, float* dgu, int n) where T : struct, IVec<T>
        {
            int main = n - n % T.Count;
            var one = T.Splat(1f);
            for (int i = 0; i < main; i += T.Count)
            {
                var g = T.Load(gu + i);
                var u = T.Load(gu + n + i);
                var d = T.Load(dy + i);
                var s = one / (one + T.Exp(T.Zero - g));
                T.Store(d * u * s * T.Fma(g, one - s, one), dgu + i);
                T.Store(d * g * s, dgu + n + i);
            }
            for (int i = main; i < n; i++)
            {
                float g = gu[i], u = gu[n + i], d = dy[i];
                float s = 1f / (1f + MathF.Exp(-g));
                dgu[i] = d * u * s * (1f + g * (1f - s));
                dgu[n + i] = d * g * s;
            }
        }
    }
}
