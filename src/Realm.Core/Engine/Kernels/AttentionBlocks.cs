using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// The small matrix products inside attention, on a few query rows (at most 4 per score or mix call) against
/// the keys of one KV head. Keys are read transposed (Kt: headDim × keys, row stride ldk, padded to a
/// vector multiple) so score rows are vectorised over keys; values and outputs are row-major.
/// </summary>
internal static unsafe class AttentionBlocks
{
    public const int Rows = 4;

    /// <summary>Scores for R rows (see the public overload).</summary>
    private static void Scores<T, R>(float* x, int xStride, float* kt, int ldk, int nKeys, int headDim,
        float* s, int lds, float scale) where T : struct, IVec<T> where R : struct, IRowCount
    {
        var vs = T.Splat(scale);
        int w = T.Count;
        int padded = RoundUp(nKeys, w);
        int j = 0;
        for (; j + 2 * w <= padded; j += 2 * w)
        {
            T a00 = T.Zero, a01 = T.Zero, a10 = T.Zero, a11 = T.Zero, a20 = T.Zero, a21 = T.Zero, a30 = T.Zero, a31 = T.Zero;
            float* k = kt + j;
            for (int d = 0; d < headDim; d++, k += ldk)
            {
                var k0 = T.Load(k);
                var k1 = T.Load(k + w);
                var q = T.Splat(x[d]);
                a00 = T.Fma(q, k0, a00); a01 = T.Fma(q, k1, a01);
                if (R.Count > 1) { q = T.Splat(x[xStride + d]); a10 = T.Fma(q, k0, a10); a11 = T.Fma(q, k1, a11); }
                if (R.Count > 2) { q = T.Splat(x[2 * xStride + d]); a20 = T.Fma(q, k0, a20); a21 = T.Fma(q, k1, a21); }
                if (R.Count > 3) { q = T.Splat(x[3 * xStride + d]); a30 = T.Fma(q, k0, a30); a31 = T.Fma(q, k1, a31); }
            }
            T.Store(a00 * vs, s + j); T.Store(a01 * vs, s + j + w);
            if (R.Count > 1) { T.Store(a10 * vs, s + lds + j); T.Store(a11 * vs, s + lds + j + w); }
            if (R.Count > 2) { T.Store(a20 * vs, s + 2 * lds + j); T.Store(a21 * vs, s + 2 * lds + j + w); }
            if (R.Count > 3) { T.Store(a30 * vs, s + 3 * lds + j); T.Store(a31 * vs, s + 3 * lds + j + w); }
        }
        if (j < padded)
        {
            T a0 = T.Zero, a1 = T.Zero, a2 = T.Zero, a3 = T.Zero;
            float* k = kt + j;
            for (int d = 0; d < headDim; d++, k += ldk)
            {
                var k0 = T.Load(k);
                a0 = T.Fma(T.Splat(x[d]), k0, a0);
                if (R.Count > 1) a1 = T.Fma(T.Splat(x[xStride + d]), k0, a1);
                if (R.Count > 2) a2 = T.Fma(T.Splat(x[2 * xStride + d]), k0, a2);
                if (R.Count > 3) a3 = T.Fma(T.Splat(x[3 * xStride + d]), k0, a3);
            }
            T.Store(a0 * vs, s + j);
            if (R.Count > 1) T.Store(a1 * vs, s + lds + j);
            if (R.Count > 2) T.Store(a2 * vs, s + 2 * lds + j);
            if (R.Count > 3) T.Store(a3 * vs, s + 3 * lds + j);
        }
    }

    public static int RoundUp(int x, int w) => (x + w - 1) / w * w;

    /// <summary>S[r, j] = scale · x_r · k_j for r &lt; rows (≤ 4) and j in [0, nKeys rounded up to the vector width).</summary>
    public static void Scores<T>(float* x, int xStride, int rows, float* kt, int ldk, int nKeys, int headDim,
        float* s, int lds, float scale) where T : struct, IVec<T>
    {
        switch (rows)
        {
            case 4: Scores<T, FourRows>(x, xStride, kt, ldk, nKeys, headDim, s, lds, scale); break;
            case 3: Scores<T, ThreeRows>(x, xStride, kt, ldk, nKeys, headDim, s, lds, scale); break;
            case 2: Scores<T, TwoRows>(x, xStride, kt, ldk, nKeys, headDim, s, lds, scale); break;
            default: Scores<T, OneRow>(x, xStride, kt, ldk, nKeys, headDim, s, lds, scale); break;
        }
    }

    /// <summary>out[r, c] (+)= Σ_j P[r, j] · V[j, c] for r &lt; rows (≤ 4), columns [c0, c1).</summary>
    public static void Mix<T>(float* p, int ldp, int rows, int nKeys, float* v, int vStride, float* o, int oStride,
        int c0, int c1, bool accumulate) where T : struct, IVec<T>
    {
        switch (rows)
        {
            case 4: Mix<T, FourRows>(p, ldp, nKeys, v, vStride, o, oStride, c0, c1, accumulate); break;
            case 3: Mix<T, ThreeRows>(p, ldp, nKeys, v, vStride, o, oStride, c0, c1, accumulate); break;
            case 2: Mix<T, TwoRows>(p, ldp, nKeys, v, vStride, o, oStride, c0, c1, accumulate); break;
            default: Mix<T, OneRow>(p, ldp, nKeys, v, vStride, o, oStride, c0, c1, accumulate); break;
        }
    }

    /// <summary>
    /// dst[j, c] += Σ_r G[r, j] · X[r, c] for every row r &lt; rows, key j &lt; nKeys and column in [c0, c1):
    /// the transposed product that accumulates key and value gradients. Rows go eight at a time.
    /// </summary>
    public static void AccumulateTransposed<T>(float* g, int ldg, int rows, int nKeys, float* x, int xStride,
        float* dst, int dstStride, int c0, int c1) where T : struct, IVec<T>
    {
        for (; rows >= 8; rows -= 8, g += 8L * ldg, x += 8L * xStride)
            AccumulateTransposed<T, EightRows>(g, ldg, nKeys, x, xStride, dst, dstStride, c0, c1);
        for (; rows >= 4; rows -= 4, g += 4L * ldg, x += 4L * xStride)
            AccumulateTransposed<T, FourRows>(g, ldg, nKeys, x, xStride, dst, dstStride, c0, c1);
        switch (rows)
        {
            case 3: AccumulateTransposed<T, ThreeRows>(g, ldg, nKeys, x, xStride, dst, dstStride, c0, c1); break;
            case 2: AccumulateTransposed<T, TwoRows>(g, ldg, nKeys, x, xStride, dst, dstStride, c0, c1); break;
            case 1: AccumulateTransposed<T, OneRow>(g, ldg, nKeys, x, xStride, dst, dstStride, c0, c1); break;
        }
    }

    /// <summary>
    /// out[r, c] (+)= Σ_j P[r, j] · V[j, c] for j in [0, nKeys) and columns [c0, c1) (a multiple of the
    /// vector width). P rows must hold zeros where row r may not look.
    /// </summary>
    private static void Mix<T, R>(float* p, int ldp, int nKeys, float* v, int vStride, float* o, int oStride,
        int c0, int c1, bool accumulate) where T : struct, IVec<T> where R : struct, IRowCount
    {
        int w = T.Count;
        for (int c = c0; c < c1; c += 2 * w)
        {
            bool two = c + 2 * w <= c1;
            T a00 = T.Zero, a01 = T.Zero, a10 = T.Zero, a11 = T.Zero, a20 = T.Zero, a21 = T.Zero, a30 = T.Zero, a31 = T.Zero;
            float* vj = v + c;
            for (int j = 0; j < nKeys; j++, vj += vStride)
            {
                var v0 = T.Load(vj);
                var v1 = two ? T.Load(vj + w) : T.Zero;
                var pr = T.Splat(p[j]);
                a00 = T.Fma(pr, v0, a00); a01 = T.Fma(pr, v1, a01);
                if (R.Count > 1) { pr = T.Splat(p[ldp + j]); a10 = T.Fma(pr, v0, a10); a11 = T.Fma(pr, v1, a11); }
                if (R.Count > 2) { pr = T.Splat(p[2 * ldp + j]); a20 = T.Fma(pr, v0, a20); a21 = T.Fma(pr, v1, a21); }
                if (R.Count > 3) { pr = T.Splat(p[3 * ldp + j]); a30 = T.Fma(pr, v0, a30); a31 = T.Fma(pr, v1, a31); }
            }
            Put(o + c, a00, a01, two, accumulate);
            if (R.Count > 1) Put(o + oStride + c, a10, a11, two, accumulate);
            if (R.Count > 2) Put(o + 2 * oStride + c, a20, a21, two, accumulate);
            if (R.Count > 3) Put(o + 3 * oStride + c, a30, a31, two, accumulate);
        }
    }

    private static void Put<T>(float* o, T v0, T v1, bool two, bool accumulate) where T : struct, IVec<T>
    {
        if (accumulate) v0 += T.Load(o);
        T.Store(v0, o);
        if (!two) return;
        if (accumulate) v1 += T.Load(o + T.Count);
        T.Store(v1, o + T.Count);
    }

    /// <summary>
    /// The transposed product for R rows: for each key j, one read-modify-write of dst row j adds R
    /// rank-one terms, two column vectors at a time.
    /// </summary>
    private static void AccumulateTransposed<T, R>(float* g, int ldg, int nKeys, float* x, int xStride,
        float* dst, int dstStride, int c0, int c1) where T : struct, IVec<T> where R : struct, IRowCount
    {
        int w = T.Count;
        for (int c = c0; c < c1; c += 2 * w)
        {
            bool two = c + 2 * w <= c1;
            T x0 = default, x1 = default, x2 = default, x3 = default, x4 = default, x5 = default, x6 = default, x7 = default;
            T y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default;
            Load2<T>(x, c, two, out x0, out y0);
            if (R.Count > 1) Load2<T>(x + xStride, c, two, out x1, out y1);
            if (R.Count > 2) Load2<T>(x + 2 * xStride, c, two, out x2, out y2);
            if (R.Count > 3) Load2<T>(x + 3 * xStride, c, two, out x3, out y3);
            if (R.Count > 4)
            {
                Load2<T>(x + 4 * xStride, c, two, out x4, out y4);
                Load2<T>(x + 5 * xStride, c, two, out x5, out y5);
                Load2<T>(x + 6 * xStride, c, two, out x6, out y6);
                Load2<T>(x + 7 * xStride, c, two, out x7, out y7);
            }
            float* d = dst + c;
            for (int j = 0; j < nKeys; j++, d += dstStride)
            {
                var gr = T.Splat(g[j]);
                T a = gr * x0, b = gr * y0;
                if (R.Count > 1) { gr = T.Splat(g[ldg + j]); a = T.Fma(gr, x1, a); b = T.Fma(gr, y1, b); }
                if (R.Count > 2) { gr = T.Splat(g[2 * ldg + j]); a = T.Fma(gr, x2, a); b = T.Fma(gr, y2, b); }
                if (R.Count > 3) { gr = T.Splat(g[3 * ldg + j]); a = T.Fma(gr, x3, a); b = T.Fma(gr, y3, b); }
                if (R.Count > 4)
                {
                    gr = T.Splat(g[4 * ldg + j]); a = T.Fma(gr, x4, a); b = T.Fma(gr, y4, b);
                    gr = T.Splat(g[5 * ldg + j]); a = T.Fma(gr, x5, a); b = T.Fma(gr, y5, b);
                    gr = T.Splat(g[6 * ldg + j]); a = T.Fma(gr, x6, a); b = T.Fma(gr, y6, b);
                    gr = T.Splat(g[7 * ldg + j]); a = T.Fma(gr, x7, a); b = T.Fma(gr, y7, b);
                }
                T.Store(T.Load(d) + a, d);
                if (two) T.Store(T.Load(d + w) + b, d + w);
            }
        }
    }

    private static void Load2<T>(float* row, int c, bool two, out T first, out T second) where T : struct, IVec<T>
    {
        first = T.Load(row + c);
        second = two ? T.Load(row + c + T.Count) : T.Zero;
    }

    // Dispatch on the SIMD level; columns beyond the last full vector go through the one-lane path.

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
    internal static void MixNormalised(SimdLevel simd, float* p, int ldp, int rows, int nKeys, float* v, int vStride,
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

    internal static void AccumulateTransposed(SimdLevel simd, float* g, int ldg, int rows, int nKeys, float* x,
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
}
