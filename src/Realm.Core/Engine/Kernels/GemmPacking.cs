using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Realm.Engine.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layouts the micro-kernels stream through: A as MR-row
/// panels stored k-major ([kc][MR]), B as NR-column panels stored k-major ([kc][NR]). Rows/columns past
/// the matrix edge are zero so the kernels never branch. Where the source runs along k (A, or a
/// transposed B such as a linear layer's weight) packing is a transpose, done in 8×8 AVX blocks.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0+rows) × k [k0, k0+kc) of op(A) into ceil(rows/mr) panels.</summary>
    public static void PackA(float* a, int lda, bool trans, int i0, int k0, int rows, int kc, int mr, float* dst)
    {
        if (trans)
        {
            // op(A)(i, k) = a[k*lda + i]: read each row of a once, sequentially, dealing it out to the panels.
            int panels = (rows + mr - 1) / mr;
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)(k0 + p) * lda + i0;
                for (int panel = 0; panel < panels; panel++)
                {
                    int r0 = panel * mr;
                    CopyRow(src + r0, Math.Min(mr, rows - r0), mr, dst + (long)panel * mr * kc + (long)p * mr);
                }
            }
            return;
        }
        for (int r0 = 0; r0 < rows; r0 += mr, dst += (long)mr * kc)
            TransposePanel(a + (long)(i0 + r0) * lda + k0, lda, Math.Min(mr, rows - r0), kc, mr, dst);
    }

    /// <summary>Packs k [k0, k0+kc) × columns [j0, j0+cols) of op(B) into one panel of width nr.</summary>
    public static void PackB(float* b, int ldb, bool trans, int k0, int j0, int kc, int cols, int nr, float* dst)
    {
        if (trans) TransposePanel(b + (long)j0 * ldb + k0, ldb, cols, kc, nr, dst);
        else CopyPanel(b + (long)k0 * ldb + j0, ldb, kc, cols, nr, dst);
    }

    /// <summary>dst[p*width + i] = src[p*ld + i] for i &lt; count (zero up to width): rows already run across the panel.</summary>
    private static void CopyPanel(float* src, int ld, int kc, int count, int width, float* dst)
    {
        for (int p = 0; p < kc; p++) CopyRow(src + (long)p * ld, count, width, dst + (long)p * width);
    }

    private static void CopyRow(float* s, int count, int width, float* d)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(s + i), d + i);
        for (; i < count; i++) d[i] = s[i];
        for (; i < width; i++) d[i] = 0f;
    }

    /// <summary>
    /// dst[p*width + i] = src[i*ld + p] for i &lt; count (zero up to width), p &lt; kc: each of the count
    /// source rows runs along k and becomes one column of the panel.
    /// </summary>
    private static void TransposePanel(float* src, int ld, int count, int kc, int width, float* dst)
    {
        int i = 0;
        if (Avx.IsSupported)
        {
            for (; i + 8 <= count; i += 8) Transpose8Rows(src + (long)i * ld, ld, kc, dst + i, width);
            for (; i + 4 <= count; i += 4) Transpose4Rows(src + (long)i * ld, ld, kc, dst + i, width);
        }
        for (; i < count; i++)
        {
            float* s = src + (long)i * ld;
            for (int p = 0; p < kc; p++) dst[(long)p * width + i] = s[p];
        }
        for (; i < width; i++)
            for (int p = 0; p < kc; p++) dst[(long)p * width + i] = 0f;
    }

    private static void Transpose8Rows(float* src, int ld, int kc, float* dst, int width)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            var r0 = Avx.LoadVector256(s);
            var r1 = Avx.LoadVector256(s + ld);
            var r2 = Avx.LoadVector256(s + 2L * ld);
            var r3 = Avx.LoadVector256(s + 3L * ld);
            var r4 = Avx.LoadVector256(s + 4L * ld);
            var r5 = Avx.LoadVector256(s + 5L * ld);
            var r6 = Avx.LoadVector256(s + 6L * ld);
            var r7 = Avx.LoadVector256(s + 7L * ld);
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var u0 = Avx.Shuffle(t0, t2, 0x44);
            var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44);
            var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44);
            var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44);
            var u7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + (long)p * width;
            Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(d + width, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(d + 2L * width, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(d + 3L * width, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(d + 4L * width, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(d + 5L * width, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(d + 6L * width, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(d + 7L * width, Avx.Permute2x128(u3, u7, 0x31));
        }
        for (; p < kc; p++)
            for (int i = 0; i < 8; i++) dst[(long)p * width + i] = src[(long)i * ld + p];
    }

    private static void Transpose4Rows(float* src, int ld, int kc, float* dst, int width)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            float* s = src + p;
            var r0 = Sse.LoadVector128(s);
            var r1 = Sse.LoadVector128(s + ld);
            var r2 = Sse.LoadVector128(s + 2L * ld);
            var r3 = Sse.LoadVector128(s + 3L * ld);
            var t0 = Sse.UnpackLow(r0, r1);
            var t1 = Sse.UnpackHigh(r0, r1);
            var t2 = Sse.UnpackLow(r2, r3);
            var t3 = Sse.UnpackHigh(r2, r3);
            float* d = dst + (long)p * width;
            Sse.Store(d, Sse.MoveLowToHigh(t0, t2));
            Sse.Store(d + width, Sse.MoveHighToLow(t2, t0));
            Sse.Store(d + 2L * width, Sse.MoveLowToHigh(t1, t3));
            Sse.Store(d + 3L * width, Sse.MoveHighToLow(t3, t1));
        }
        for (; p < kc; p++)
            for (int i = 0; i < 4; i++) dst[(long)p * width + i] = src[(long)i * ld + p];
    }
}
