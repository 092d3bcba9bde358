using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Causal grouped-query attention over packed sequences: rows [start, start+length) of the inputs form
/// one sequence, and a row sees only earlier rows of its own sequence. q, k and v are row-major with a
/// common row stride (they are column ranges of one fused QKV projection). Scores are never held for
/// more than one block of query rows at a time; the backward pass recomputes them from the saved
/// log-sum-exp, as FlashAttention does.
/// </summary>
public static unsafe partial class Attention
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
                    AttentionBlocks.Scores(_simd, _q + row * _stride + h0 * hd, hd, rows, kt, ldk, nKeys, hd, sc, lds, _shape.Scale);
                    AttentionBlocks.ExpRows(_simd, sc, lds, rows, nKeys - 1, 0, nKeys, inverseSums, null, 0);
                    AttentionBlocks.MixNormalised(_simd, sc, lds, rows, nKeys, v, vStride, _o + row * _oStride + h0 * hd, hd, hd, inverseSums);
                }
                return;
            }
            for (int hq = firstHead; hq < endHead; hq++)
                for (int r0 = i0; r0 < i1; r0 += AttentionBlocks.Rows)
                {
                    int rows = Math.Min(AttentionBlocks.Rows, i1 - r0), nKeys = past + r0 + rows;
                    long row = start + r0;
                    AttentionBlocks.Scores(_simd, _q + row * _stride + hq * hd, _stride, rows, kt, ldk, nKeys, hd, sc, lds, _shape.Scale);
                    AttentionBlocks.ExpRows(_simd, sc, lds, rows, past + r0, 1, nKeys, inverseSums, _lse == null ? null : _lse + row * _shape.Heads + hq, _shape.Heads);
                    AttentionBlocks.MixNormalised(_simd, sc, lds, rows, nKeys, v, vStride, _o + row * _oStride + hq * hd, _oStride, hd, inverseSums);
                }
        }
    }


}
