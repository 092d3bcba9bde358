using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>The backward pass of <see cref="Attention"/>: probabilities recomputed from the saved log-sum-exp.</summary>
public static unsafe partial class Attention
{
    /// <summary>
    /// Gradients of the forward pass: writes dq, dk, dv (row stride dStride) from dO, the forward output
    /// o and its saved lse.
    /// </summary>
    public static void Backward(Cpu cpu, AttentionShape shape, float* q, float* k, float* v, int stride,
        float* o, float* dO, int oStride, float* lse, float* dq, float* dk, float* dv, int dStride,
        ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths)
    {
        using var _ = Profiler.Measure("attention backward");
        // One task per (sequence, KV head): it owns that head's dk and dv rows, so nothing is shared.
        // Longest sequences first, so the last tasks to start are the short ones.
        int n = starts.Length * shape.KvHeads;
        int[] order = t_tasks is { } t && t.Length >= n ? t : (t_tasks = new int[n + 16]);
        int seqs = 0;
        for (int s = 0; s < starts.Length; s++)
        {
            int at = seqs++;
            while (at > 0 && lengths[order[at - 1]] < lengths[s]) { order[at] = order[at - 1]; at--; }
            order[at] = s;
        }
        for (int i = seqs - 1; i >= 0; i--)
            for (int g = shape.KvHeads - 1; g >= 0; g--) order[i * shape.KvHeads + g] = order[i] * shape.KvHeads + g;
        fixed (int* tp = order)
        fixed (int* sp = starts)
        fixed (int* lp = lengths)
            cpu.Pool.For(n, new BackwardWork(cpu.Simd, shape, q, k, v, stride, o, dO, oStride, lse, dq, dk, dv, dStride, sp, lp, tp));
    }

    /// <summary>
    /// On one row: P = exp(S − lse) in place of S, and dS = P ∘ (dP − rowsum(dO ∘ O))·scale in place of dP
    /// (pre-scaled, as both the q and k gradients need it scaled).
    /// </summary>
    private static void ScoreGradients<T>(float* s, float* dp, int n, float lse, float di, float scale) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var vl = T.Splat(lse);
        var vd = T.Splat(di);
        var vs = T.Splat(scale);
        for (int j = 0; j < main; j += T.Count)
        {
            var p = T.Exp(T.Load(s + j) - vl);
            T.Store(p, s + j);
            T.Store(p * (T.Load(dp + j) - vd) * vs, dp + j);
        }
        for (int j = main; j < n; j++)
        {
            float p = MathF.Exp(s[j] - lse);
            s[j] = p;
            dp[j] = p * (dp[j] - di) * scale;
        }
    }

    private readonly struct BackwardWork : IParallelWork
    {
        private readonly SimdLevel _simd;
        private readonly AttentionShape _shape;
        private readonly float* _q, _k, _v, _o, _dO, _lse, _dq, _dk, _dv;
        private readonly int _stride, _oStride, _dStride;
        private readonly int* _starts, _lengths, _tasks;

        public BackwardWork(SimdLevel simd, AttentionShape shape, float* q, float* k, float* v, int stride, float* o,
            float* dO, int oStride, float* lse, float* dq, float* dk, float* dv, int dStride, int* starts, int* lengths, int* tasks)
        {
            _simd = simd; _shape = shape; _q = q; _k = k; _v = v; _stride = stride; _o = o; _dO = dO; _oStride = oStride;
            _lse = lse; _dq = dq; _dk = dk; _dv = dv; _dStride = dStride; _starts = starts; _lengths = lengths; _tasks = tasks;
        }

        public void Run(int index)
        {
            int task = _tasks[index];
            int s = task / _shape.KvHeads, g = task % _shape.KvHeads;
            int start = _starts[s], length = _lengths[s], hd = _shape.HeadDim;
            if (length == 0) return;
            int ldk = AttentionBlocks.RoundUp(length, 32) + 16; // +16: rows 64 bytes apart from a power of two, so they spread over L1 sets
            const int R = 2 * AttentionBlocks.Rows; // query rows per step: the k/v gradient rows are updated once per 8
            float* kt = Scratch.Get(ref t_scratch, 2L * hd * ldk + 2L * length * hd + 2L * R * ldk);
            float* vt = kt + (long)hd * ldk;
            float* dK = vt + (long)hd * ldk;
            float* dV = dK + (long)length * hd;
            float* p = dV + (long)length * hd;
            float* dS = p + (long)R * ldk;
            float* k = _k + (long)start * _stride + g * hd, v = _v + (long)start * _stride + g * hd;
            Transpose(k, _stride, length, hd, kt, ldk, ldk);
            Transpose(v, _stride, length, hd, vt, ldk, ldk);
            new Span<float>(dK, 2 * length * hd).Clear();
            float scale = _shape.Scale;
            for (int hq = g * _shape.Group; hq < (g + 1) * _shape.Group; hq++)
                for (int r0 = 0; r0 < length; r0 += R)
                {
                    int rows = Math.Min(R, length - r0), nKeys = r0 + rows;
                    long row = start + r0;
                    float* q = _q + row * _stride + hq * hd;
                    float* dO = _dO + row * _oStride + hq * hd;
                    float* o = _o + row * _oStride + hq * hd;
                    for (int h = 0; h < rows; h += AttentionBlocks.Rows)
                    {
                        int part = Math.Min(AttentionBlocks.Rows, rows - h);
                        AttentionBlocks.Scores(_simd, q + (long)h * _stride, _stride, part, kt, ldk, nKeys, hd, p + (long)h * ldk, ldk, scale);
                        AttentionBlocks.Scores(_simd, dO + (long)h * _oStride, _oStride, part, vt, ldk, nKeys, hd, dS + (long)h * ldk, ldk, 1f);
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        float l = _lse[(row + r) * _shape.Heads + hq];
                        float di = Vectorized.Dot(_simd, dO + (long)r * _oStride, o + (long)r * _oStride, hd);
                        float* pr = p + (long)r * ldk, dsr = dS + (long)r * ldk;
                        int count = r0 + r + 1;
                        switch (_simd)
                        {
                            case SimdLevel.Vector512: ScoreGradients<V512>(pr, dsr, count, l, di, scale); break;
                            case SimdLevel.Vector256: ScoreGradients<V256>(pr, dsr, count, l, di, scale); break;
                            default: ScoreGradients<V1>(pr, dsr, count, l, di, scale); break;
                        }
                        for (int j = count; j < nKeys; j++) { pr[j] = 0f; dsr[j] = 0f; }
                    }
                    for (int h = 0; h < rows; h += AttentionBlocks.Rows)
                        AttentionBlocks.Mix(_simd, dS + (long)h * ldk, ldk, Math.Min(AttentionBlocks.Rows, rows - h), nKeys, k, _stride,
                            _dq + (row + h) * _dStride + hq * hd, _dStride, hd, false);
                    AttentionBlocks.AccumulateTransposed(_simd, dS, ldk, rows, nKeys, q, _stride, dK, hd);
                    AttentionBlocks.AccumulateTransposed(_simd, p, ldk, rows, nKeys, dO, _oStride, dV, hd);
                }
            float* dk = _dk + (long)start * _dStride + g * hd, dv = _dv + (long)start * _dStride + g * hd;
            for (int j = 0; j < length; j++)
            {
                Buffer.MemoryCopy(dK + (long)j * hd, dk + (long)j * _dStride, hd * 4L, hd * 4L);
                Buffer.MemoryCopy(dV + (long)j * hd, dv + (long)j * _dStride, hd * 4L, hd * 4L);
            }
        }
    }
}
