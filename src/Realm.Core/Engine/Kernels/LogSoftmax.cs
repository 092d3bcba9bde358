using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Log-softmax over the vocabulary, read at each row's target: log p(target), the distribution's
/// entropy, and the backward pass for a loss Σ coef·log p(target).
/// </summary>
public static unsafe class LogSoftmax
{
    /// <summary>
    /// For each row: lse = log Σ exp(z); logprob = z[target] − lse; entropy = lse − Σ p·z. A negative
    /// target gives logprob 0. Any output pointer may be null.
    /// </summary>
    public static void Forward(Cpu cpu, float* logits, int rows, int vocab, int* targets, float* logprobs,
        float* entropy, float* lse)
    {
        using var _ = Profiler.Measure("log-softmax forward");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, vocab), new ForwardWork(cpu.Simd, logits, vocab, targets, logprobs, entropy, lse));
    }

    /// <summary>dLogits = coef·(onehot(target) − p), using lse from the forward pass. dLogits may alias logits.</summary>
    public static void Backward(Cpu cpu, float* logits, float* lse, int* targets, float* coef, float* dLogits, int rows,
        int vocab)
    {
        using var _ = Profiler.Measure("log-softmax backward");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, vocab), new BackwardWork(cpu.Simd, logits, lse, targets, coef, dLogits, vocab));
    }

    private readonly struct ForwardWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _logits, _logprobs, _entropy, _lse;
        private readonly int* _targets;
        private readonly int _vocab;
        public ForwardWork(SimdLevel simd, float* logits, int vocab, int* targets, float* logprobs, float* entropy, float* lse)
        { _simd = simd; _logits = logits; _vocab = vocab; _targets = targets; _logprobs = logprobs; _entropy = entropy; _lse = lse; }

        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                float* z = _logits + (long)r * _vocab;
                (float lse, float expectedZ) = _simd switch
                {
                    SimdLevel.Vector512 => Row<V512>(z, _vocab),
                    SimdLevel.Vector256 => Row<V256>(z, _vocab),
                    _ => Row<V1>(z, _vocab),
                };
                if (_lse != null) _lse[r] = lse;
                if (_entropy != null) _entropy[r] = lse - expectedZ;
                if (_logprobs != null)
                {
                    int t = _targets == null ? -1 : _targets[r];
                    _logprobs[r] = t < 0 ? 0f : z[t] - lse;
                }
            }
        }

        /// <summary>Returns (log Σ exp z, Σ softmax(z)·z).</summary>
        private static (float, float) Row<T>(float* z, int n) where T : struct, IVec<T>
        {
            int main = n - n % T.Count;
            float max = Vectorized.Max<T>(z, n);
            var vm = T.Splat(max);
            T sum = T.Zero, weighted = T.Zero;
            for (int i = 0; i < main; i += T.Count)
            {
                var zi = T.Load(z + i);
                var e = T.Exp(zi - vm);
                sum += e;
                weighted = T.Fma(e, zi, weighted);
            }
            float s = T.Sum(sum), w = T.Sum(weighted);
            for (int i = main; i < n; i++)
            {
                float e = MathF.Exp(z[i] - max);
                s += e;
                w += e * z[i];
            }
            return (max + MathF.Log(s), w / s);
        }
    }

    private readonly struct BackwardWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _logits, _lse, _coef, _dLogits;
        private readonly int* _targets;
        private readonly int _vocab;
        public BackwardWork(SimdLevel simd, float* logits, float* lse, int* targets, float* coef, float* dLogits, int vocab)
        { _simd = simd; _logits = logits; _lse = lse; _targets = targets; _coef = coef; _dLogits = dLogits; _vocab = vocab; }

        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                float* z = _logits + (long)r * _vocab, dz = _dLogits + (long)r * _vocab;
                int t = _targets[r];
                float c = t < 0 ? 0f : _coef[r];
                switch (_simd)
                {
                    case SimdLevel.Vector512: Row<V512>(z, dz, _lse[r], -c, _vocab); break;
                    case SimdLevel.Vector256: Row<V256>(z, dz, _lse[r], -c, _vocab); break;
                    default: Row<V1>(z, dz, _lse[r], -c, _vocab); break;
                }
                if (t >= 0) dz[t] += c;
            }
        }

        // dz = −c·p, the one-hot term is added by the caller.
        private static void Row<T>(float* z, float* dz, float lse, float minusC, int n) where T : struct, IVec<T>
        {
            int main = n - n % T.Count;
            var vl = T.Splat(lse);
            var vc = T.Splat(minusC);
            for (int i = 0; i < main; i += T.Count) T.Store(vc * T.Exp(T.Load(z + i) - vl), dz + i);
            for (int i = main; i < n; i++) dz[i] = minusC * MathF.Exp(z[i] - lse);
        }
    }
}
