using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// The small matrix products inside attention, on one block of R query rows (R ≤ 4 per call) against
/// the keys of one KV head. Keys are read transposed (Kt: headDim × keys, row stride ldk, padded to a
/// vector multiple) so score rows are vectorised over keys; values and outputs are row-major.
/// </summary>
internal static unsafe class AttentionBlocks
{
    public const int Rows = 4;

    /// <summary>S[r, j] = scale · x_r · k_j for j in [0, nKeys rounded up to the vector width).</summary>
    public static void Scores<T>(float* x, int xStride, int rows, float* kt, int ldk, int nKeys, int headDim,
        float* s, int lds, float scale) where T : struct, IVec<T>
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
                if (rows > 1) { q = T.Splat(x[xStride + d]); a10 = T.Fma(q, k0, a10); a11 = T.Fma(q, k1, a11); }
                if (rows > 2) { q = T.Splat(x[2 * xStride + d]); a20 = T.Fma(q, k0, a20); a21 = T.Fma(q, k1, a21); }
                if (rows > 3) { q = T.Splat(x[3 * xStride + d]); a30 = T.Fma(q, k0, a30); a31 = T.Fma(q, k1, a31); }
            }
            T.Store(a00 * vs, s + j); T.Store(a01 * vs, s + j + w);
            if (rows > 1) { T.Store(a10 * vs, s + lds + j); T.Store(a11 * vs, s + lds + j + w); }
            if (rows > 2) { T.Store(a20 * vs, s + 2 * lds + j); T.Store(a21 * vs, s + 2 * lds + j + w); }
            if (rows > 3) { T.Store(a30 * vs, s + 3 * lds + j); T.Store(a31 * vs, s + 3 * lds + j + w); }
        }
        if (j < padded)
        {
            T a0 = T.Zero, a1 = T.Zero, a2 = T.Zero, a3 = T.Zero;
            float* k = kt + j;
            for (int d = 0; d < headDim; d++, k += ldk)
            {
                var k0 = T.Load(k);
                a0 = T.Fma(T.Splat(x[d]), k0, a0);
                if (rows > 1) a1 = T.Fma(T.Splat(x[xStride + d]), k0, a1);
                if (rows > 2) a2 = T.Fma(T.Splat(x[2 * xStride + d]), k0, a2);
                if (rows > 3) a3 = T.Fma(T.Splat(x[3 * xStride + d]), k0, a3);
            }
            T.Store(a0 * vs, s + j);
            if (rows > 1) T.Store(a1 * vs, s + lds + j);
            if (rows > 2) T.Store(a2 * vs, s + 2 * lds + j);
            if (rows > 3) T.Store(a3 * vs, s + 3 * lds + j);
        }
    }

    public static int RoundUp(int x, int w) => (x + w - 1) / w * w;

    /// <summary>
    /// out[r, c] (+)= Σ_j P[r, j] · V[j, c] for j in [0, nKeys) and columns [c0, c1) (a multiple of the
    /// vector width). P rows must hold zeros where row r may not look.
    /// </summary>
    public static void Mix<T>(float* p, int ldp, int rows, int nKeys, float* v, int vStride, float* o, int oStride,
        int c0, int c1, bool accumulate) where T : struct, IVec<T>
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
                if (rows > 1) { pr = T.Splat(p[ldp + j]); a10 = T.Fma(pr, v0, a10); a11 = T.Fma(pr, v1, a11); }
                if (rows > 2) { pr = T.Splat(p[2 * ldp + j]); a20 = T.Fma(pr, v0, a20); a21 = T.Fma(pr, v1, a21); }
                if (rows > 3) { pr = T.Splat(p[3 * ldp + j]); a30 = T.Fma(pr, v0, a30); a31 = T.Fma(pr, v1, a31); }
            }
            Put(o + c, a00, a01, two, accumulate);
            if (rows > 1) Put(o + oStride + c, a10, a11, two, accumulate);
            if (rows > 2) Put(o + 2 * oStride + c, a20, a21, two, accumulate);
            if (rows > 3) Put(o + 3 * oStride + c, a30, a31, two, accumulate);
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
    /// dst[j, c] += scale · Σ_r G[r, j] · X[r, c] for j in [0, nKeys), columns [c0, c1): the transposed
    /// product that accumulates key and value gradients.
    /// </summary>
    public static void AccumulateTransposed<T>(float* g, int ldg, int rows, int nKeys, float* x, int xStride,
        float* dst, int dstStride, int c0, int c1, float scale) where T : struct, IVec<T>
    {
        int w = T.Count;
        for (int c = c0; c < c1; c += w)
        {
            var x0 = T.Load(x + c);
            var x1 = rows > 1 ? T.Load(x + xStride + c) : T.Zero;
            var x2 = rows > 2 ? T.Load(x + 2 * xStride + c) : T.Zero;
            var x3 = rows > 3 ? T.Load(x + 3 * xStride + c) : T.Zero;
            float* d = dst + c;
            for (int j = 0; j < nKeys; j++, d += dstStride)
            {
                var acc = T.Splat(g[j] * scale) * x0;
                if (rows > 1) acc = T.Fma(T.Splat(g[ldg + j] * scale), x1, acc);
                if (rows > 2) acc = T.Fma(T.Splat(g[2 * ldg + j] * scale), x2, acc);
                if (rows > 3) acc = T.Fma(T.Splat(g[3 * ldg + j] * scale), x3, acc);
                T.Store(T.Load(d) + acc, d);
            }
        }
    }
}
