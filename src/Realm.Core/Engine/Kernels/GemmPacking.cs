namespace Realm.Engine.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layouts the micro-kernels stream through: A as MR-row
/// panels stored k-major ([kc][MR]), B as NR-column panels stored k-major ([kc][NR]). Rows/columns past
/// the matrix edge are zero so the kernels never branch.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0+rows) × k [k0, k0+kc) of op(A) into ceil(rows/mr) panels.</summary>
    public static void PackA(float* a, int lda, bool trans, int i0, int k0, int rows, int kc, int mr, float* dst)
    {
        for (int r0 = 0; r0 < rows; r0 += mr, dst += (long)mr * kc)
        {
            int h = Math.Min(mr, rows - r0);
            if (trans)
            {
                // op(A)(i, k) = a[k*lda + i]: each k gives h contiguous values.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(k0 + p) * lda + i0 + r0;
                    float* d = dst + p * mr;
                    int i = 0;
                    for (; i < h; i++) d[i] = src[i];
                    for (; i < mr; i++) d[i] = 0f;
                }
            }
            else
            {
                for (int i = 0; i < h; i++)
                {
                    float* src = a + (long)(i0 + r0 + i) * lda + k0;
                    float* d = dst + i;
                    for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                }
                for (int i = h; i < mr; i++)
                    for (int p = 0; p < kc; p++) dst[p * mr + i] = 0f;
            }
        }
    }

    /// <summary>Packs k [k0, k0+kc) × columns [j0, j0+cols) of op(B) into one panel of width nr.</summary>
    public static void PackB(float* b, int ldb, bool trans, int k0, int j0, int kc, int cols, int nr, float* dst)
    {
        if (trans)
        {
            // op(B)(k, j) = b[j*ldb + k]: column j of the panel is a contiguous row of b.
            for (int j = 0; j < cols; j++)
            {
                float* src = b + (long)(j0 + j) * ldb + k0;
                float* d = dst + j;
                for (int p = 0; p < kc; p++) d[p * nr] = src[p];
            }
            for (int j = cols; j < nr; j++)
                for (int p = 0; p < kc; p++) dst[p * nr + j] = 0f;
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(k0 + p) * ldb + j0;
                float* d = dst + p * nr;
                int j = 0;
                for (; j < cols; j++) d[j] = src[j];
                for (; j < nr; j++) d[j] = 0f;
            }
        }
    }
}
