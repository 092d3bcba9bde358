using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Causal grouped-query attention over packed sequences: rows [start, start+length) of the inputs form
/// one sequence, and a row sees only earlier rows of its own sequence. q, k and v are row-major with a
/// common row stride (they are column ranges of one fused QKV projection). Scores are never held for
/// more than one block of query rows at a time; the backward pass recomputes them from the saved
/// log-sum-exp, as FlashAttention does.
/// </summary>
public static unsafe class Attention
{
    /// <summary>Query rows per forward task.</summary>
    public const int BlockRows = 32;

    [ThreadStatic] private static NativeBuffer? t_scratch;
    [ThreadStatic] private static NativeBuffer? t_keysT;
    [ThreadStatic] private static int[]? t_tasks;

    /// <summary>
    /// o = softmax(q·kᵀ·scale, causal)·v per head; lse[row·Heads + head] keeps each row's log-sum-exp for
    /// backward (may be null).
    /// </summary>
    public static void Forward(Cpu cpu, AttentionShape shape, float* q, float* k, float* v, int stride,
        float* o, int oStride, float* lse, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths)
    {
        using var _ = Profiler.Measure("attention forward");
        // Every KV head's keys, transposed once (headDim × rows, all sequences side by side) for all the
        // row blocks that read them. The zeroed tail lets score rows read a full vector past the last key.
        int rows = 0;
        foreach (int length in lengths) rows += length;
        int ldk = AttentionBlocks.RoundUp(rows, 32) + 32;
        float* keysT = Scratch.Get(ref t_keysT, (long)shape.KvHeads * shape.HeadDim * ldk);
        for (int row = 0; row < shape.KvHeads * shape.HeadDim; row++)
            new Span<float>(keysT + (long)row * ldk + rows, ldk - rows).Clear();
        int n = BuildForwardTasks(shape, lengths);
        fixed (int* tp = t_tasks)
        fixed (int* sp = starts)
        fixed (int* lp = lengths)
        {
            cpu.Pool.For(starts.Length * shape.KvHeads, new TransposeKeysWork(shape, k, stride, sp, lp, keysT, ldk));
            cpu.Pool.For(n, new ForwardWork(cpu.Simd, shape, q, keysT, ldk, v, stride, o, oStride, lse, sp, lp, tp, null, 0, null));
        }
    }

    private readonly struct TransposeKeysWork : IParallelWork
    {
        private readonly AttentionShape _shape;
        private readonly float* _k, _keysT;
        private readonly int _stride, _ldk;
        private readonly int* _starts, _lengths;

        public TransposeKeysWork(AttentionShape shape, float* k, int stride, int* starts, int* lengths, float* keysT, int ldk)
        { _shape = shape; _k = k; _stride = stride; _starts = starts; _lengths = lengths; _keysT = keysT; _ldk = ldk; }

        public void Run(int index)
        {
            int s = index / _shape.KvHeads, g = index % _shape.KvHeads, hd = _shape.HeadDim;
            Transpose(_k + (long)_starts[s] * _stride + g * hd, _stride, _lengths[s], hd,
                _keysT + (long)g * hd * _ldk + _starts[s], _ldk, _lengths[s]);
        }
    }

    /// <summary>
    /// Attention for new rows of sequences held in a KV cache whose keys and values for these rows were
    /// already appended: rows [starts[s], starts[s]+counts[s]) continue slot slots[s] from position
    /// cache.Lengths[slot], and see every cached position up to their own.
    /// </summary>
    internal static void ForwardCached(Cpu cpu, AttentionShape shape, float* q, int stride, float* o, int oStride,
        Model.KvCache cache, int layer, int[] slots, ReadOnlySpan<int> starts, ReadOnlySpan<int> counts)
    {
        using var _ = Profiler.Measure("attention with KV cache");
        int n = BuildForwardTasks(shape, counts);
        fixed (int* tp = t_tasks)
        fixed (int* sp = starts)
        fixed (int* lp = counts)
        fixed (int* sl = slots)
            cpu.Pool.For(n, new ForwardWork(cpu.Simd, shape, q, null, 0, null, stride, o, oStride, null, sp, lp, tp, cache, layer, sl));
    }

    /// <summary>Lists (sequence, KV head, row block) triples in t_tasks, costliest blocks first; returns the count.</summary>
    private static int BuildForwardTasks(AttentionShape shape, ReadOnlySpan<int> lengths)
    {
        int maxBlocks = 0, total = 0;
        foreach (int length in lengths)
        {
            int blocks = (length + BlockRows - 1) / BlockRows;
            maxBlocks = Math.Max(maxBlocks, blocks);
            total += blocks;
        }
        int needed = 3 * total * shape.KvHeads;
        if (t_tasks == null || t_tasks.Length < needed) t_tasks = new int[needed + 16];
        int[] table = t_tasks;
        int n = 0;
        for (int b = maxBlocks - 1; b >= 0; b--)
            for (int s = 0; s < lengths.Length; s++)
            {
                if (b * BlockRows >= lengths[s]) continue;
                for (int g = 0; g < shape.KvHeads; g++)
                {
                    table[3 * n] = s; table[3 * n + 1] = g; table[3 * n + 2] = b;
                    n++;
                }
            }
        return n;
    }

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

    /// <summary>Kt[d, j] = k[j, d] for j &lt; count (row stride ldk), zero from count up to padTo.</summary>
    internal static void Transpose(float* k, int stride, int count, int headDim, float* kt, int ldk, int padTo)
    {
        for (int d = 0; d < headDim; d++)
        {
            float* dst = kt + (long)d * ldk;
            for (int j = 0; j < count; j++) dst[j] = k[(long)j * stride + d];
            for (int j = count; j < padTo; j++) dst[j] = 0f;
        }
    }

    /// <summary>
    /// Turns score rows into unnormalised probabilities exp(s − max) in place: row r covers keys
    /// [0, limit0 + r·limitStep] (inclusive); keys after that, up to <paramref name="width"/>, become 0.
    /// Writes each row's 1/Σ (the caller scales the mixed output once instead of every probability)
    /// and, if asked, its log-sum-exp.
    /// </summary>
    internal static void ExpRows(SimdLevel simd, float* s, int lds, int rows, int limit0, int limitStep, int width,
        float* inverseSums, float* lse, int lseStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = s + (long)r * lds;
            int count = limit0 + r * limitStep + 1;
            float max = simd switch
            {
                SimdLevel.Vector512 => Vectorized.Max<V512>(row, count),
                SimdLevel.Vector256 => Vectorized.Max<V256>(row, count),
                _ => Vectorized.Max<V1>(row, count),
            };
            float sum = simd switch
            {
                SimdLevel.Vector512 => ExpRow<V512>(row, count, max),
                SimdLevel.Vector256 => ExpRow<V256>(row, count, max),
                _ => ExpRow<V1>(row, count, max),
            };
            for (int j = count; j < width; j++) row[j] = 0f;
            inverseSums[r] = 1f / sum;
            if (lse != null) lse[(long)r * lseStride] = max + MathF.Log(sum);
        }
    }

    /// <summary>x ← exp(x − max) over [0, n); returns the sum.</summary>
    private static float ExpRow<T>(float* x, int n, float max) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var vm = T.Splat(max);
        var acc = T.Zero;
        for (int i = 0; i < main; i += T.Count)
        {
            var e = T.Exp(T.Load(x + i) - vm);
            T.Store(e, x + i);
            acc += e;
        }
        float sum = T.Sum(acc);
        for (int i = main; i < n; i++)
        {
            float e = MathF.Exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>Mixes values with unnormalised probabilities, then scales each output row by its 1/Σ.</summary>
    private static void MixNormalised(SimdLevel simd, float* p, int ldp, int rows, int nKeys, float* v, int vStride,
        float* o, int oStride, int headDim, float* inverseSums)
    {
        Mix(simd, p, ldp, rows, nKeys, v, vStride, o, oStride, headDim, false);
        for (int r = 0; r < rows; r++) Vectorized.Scale(simd, o + (long)r * oStride, inverseSums[r], headDim);
    }

    /// <summary>out[r, :] = P[r, :]·V over columns [0, headDim), vectorised where the width allows.</summary>
    internal static void Mix(SimdLevel simd, float* p, int ldp, int rows, int nKeys, float* v, int vStride, float* o,
        int oStride, int headDim, bool accumulate)
    {
        int main = simd switch
        {
            SimdLevel.Vector512 => headDim - headDim % 16,
            SimdLevel.Vector256 => headDim - headDim % 8,
            _ => 0,
        };
        if (simd == SimdLevel.Vector512) AttentionBlocks.Mix<V512>(p, ldp, rows, nKeys, v, vStride, o, oStride, 0, main, accumulate);
        else if (simd == SimdLevel.Vector256) AttentionBlocks.Mix<V256>(p, ldp, rows, nKeys, v, vStride, o, oStride, 0, main, accumulate);
        if (main < headDim) AttentionBlocks.Mix<V1>(p, ldp, rows, nKeys, v, vStride, o, oStride, main, headDim, accumulate);
    }

    internal static void Scores(SimdLevel simd, float* x, int xStride, int rows, float* kt, int ldk, int nKeys,
        int headDim, float* s, int lds, float scale)
    {
        switch (simd)
        {
            case SimdLevel.Vector512: AttentionBlocks.Scores<V512>(x, xStride, rows, kt, ldk, nKeys, headDim, s, lds, scale); break;
            case SimdLevel.Vector256: AttentionBlocks.Scores<V256>(x, xStride, rows, kt, ldk, nKeys, headDim, s, lds, scale); break;
            default: AttentionBlocks.Scores<V1>(x, xStride, rows, kt, ldk, nKeys, headDim, s, lds, scale); break;
        }
    }

    private static void AccumulateTransposed(SimdLevel simd, float* g, int ldg, int rows, int nKeys, float* x,
        int xStride, float* dst, int headDim)
    {
        int main = simd switch
        {
            SimdLevel.Vector512 => headDim - headDim % 16,
            SimdLevel.Vector256 => headDim - headDim % 8,
            _ => 0,
        };
        if (simd == SimdLevel.Vector512) AttentionBlocks.AccumulateTransposed<V512>(g, ldg, rows, nKeys, x, xStride, dst, headDim, 0, main);
        else if (simd == SimdLevel.Vector256) AttentionBlocks.AccumulateTransposed<V256>(g, ldg, rows, nKeys, x, xStride, dst, headDim, 0, main);
        if (main < headDim) AttentionBlocks.AccumulateTransposed<V1>(g, ldg, rows, nKeys, x, xStride, dst, headDim, main, headDim);
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

    private readonly struct ForwardWork : IParallelWork
    {
        private readonly SimdLevel _simd;
        private readonly AttentionShape _shape;
        private readonly float* _q, _keysT, _v, _o, _lse;
        private readonly int _ldk, _stride, _oStride, _layer;
        private readonly int* _starts, _lengths, _tasks, _slots;
        private readonly Model.KvCache? _cache;

        public ForwardWork(SimdLevel simd, AttentionShape shape, float* q, float* keysT, int ldk, float* v, int stride, float* o,
            int oStride, float* lse, int* starts, int* lengths, int* tasks, Model.KvCache? cache, int layer, int* slots)
        {
            _simd = simd; _shape = shape; _q = q; _keysT = keysT; _ldk = ldk; _v = v; _stride = stride; _o = o; _oStride = oStride;
            _lse = lse; _starts = starts; _lengths = lengths; _tasks = tasks; _cache = cache; _layer = layer; _slots = slots;
        }

        public void Run(int index)
        {
            int s = _tasks[3 * index], g = _tasks[3 * index + 1], block = _tasks[3 * index + 2];
            int start = _starts[s], length = _lengths[s], hd = _shape.HeadDim;
            int i0 = block * BlockRows, i1 = Math.Min(length, i0 + BlockRows);
            float* kt, v, sc;
            int ldk, vStride, past, lds;
            if (_cache != null)
            {
                // Keys and values come from the cache; this block's rows continue after `past` positions.
                int slot = _slots[s];
                past = _cache.Lengths[slot];
                kt = _cache.KeysT(_layer, slot, g);
                ldk = _cache.Capacity;
                v = _cache.Values(_layer, slot, g);
                vStride = hd;
                lds = AttentionBlocks.RoundUp(past + i1, 32);
                sc = Scratch.Get(ref t_scratch, (long)AttentionBlocks.Rows * lds);
            }
            else
            {
                past = 0;
                kt = _keysT + (long)g * hd * _ldk + start;
                ldk = _ldk;
                lds = AttentionBlocks.RoundUp(i1, 32);
                sc = Scratch.Get(ref t_scratch, (long)AttentionBlocks.Rows * lds);
                v = _v + (long)start * _stride + g * hd;
                vStride = _stride;
            }
            float* inverseSums = stackalloc float[AttentionBlocks.Rows];
            int firstHead = g * _shape.Group, endHead = firstHead + _shape.Group;
            if (i1 - i0 == 1 && _lse == null)
            {
                // One new position (a decoding step): the group's query heads are the rows, sharing every key load.
                long row = start + i0;
                int nKeys = past + i0 + 1;
                for (int h0 = firstHead; h0 < endHead; h0 += AttentionBlocks.Rows)
                {
                    int rows = Math.Min(AttentionBlocks.Rows, endHead - h0);
                    Scores(_simd, _q + row * _stride + h0 * hd, hd, rows, kt, ldk, nKeys, hd, sc, lds, _shape.Scale);
                    ExpRows(_simd, sc, lds, rows, nKeys - 1, 0, nKeys, inverseSums, null, 0);
                    MixNormalised(_simd, sc, lds, rows, nKeys, v, vStride, _o + row * _oStride + h0 * hd, hd, hd, inverseSums);
                }
                return;
            }
            for (int hq = firstHead; hq < endHead; hq++)
                for (int r0 = i0; r0 < i1; r0 += AttentionBlocks.Rows)
                {
                    int rows = Math.Min(AttentionBlocks.Rows, i1 - r0), nKeys = past + r0 + rows;
                    long row = start + r0;
                    Scores(_simd, _q + row * _stride + hq * hd, _stride, rows, kt, ldk, nKeys, hd, sc, lds, _shape.Scale);
                    ExpRows(_simd, sc, lds, rows, past + r0, 1, nKeys, inverseSums, _lse == null ? null : _lse + row * _shape.Heads + hq, _shape.Heads);
                    MixNormalised(_simd, sc, lds, rows, nKeys, v, vStride, _o + row * _oStride + hq * hd, _oStride, hd, inverseSums);
                }
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
                        Scores(_simd, q + (long)h * _stride, _stride, part, kt, ldk, nKeys, hd, p + (long)h * ldk, ldk, scale);
                        Scores(_simd, dO + (long)h * _oStride, _oStride, part, vt, ldk, nKeys, hd, dS + (long)h * ldk, ldk, 1f);
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
                        Mix(_simd, dS + (long)h * ldk, ldk, Math.Min(AttentionBlocks.Rows, rows - h), nKeys, k, _stride,
                            _dq + (row + h) * _dStride + hq * hd, _dStride, hd, false);
                    AccumulateTransposed(_simd, dS, ldk, rows, nKeys, q, _stride, dK, hd);
                    AccumulateTransposed(_simd, p, ldk, rows, nKeys, dO, _oStride, dV, hd);
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
