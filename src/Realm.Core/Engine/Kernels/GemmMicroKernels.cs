using Realm.Engine.Compute;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Realm.Engine.Kernels;

/// <summary>
/// The GEMM inner kernels: C[MR×NR] (+)= Apanel[kc×MR]ᵀ · Bpanel[kc×NR] on packed panels, all
/// accumulators in registers. One kernel per vector width; the driver (<see cref="Gemm"/>) packs
/// panels to match the chosen kernel's MR/NR. Each is generic over how B's panels are stored
/// (<see cref="IPanelFormat"/>: F32, or BF16 widened in registers); A and C are always F32.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    // Vector512: 12 rows × 32 columns = 24 zmm accumulators + 2 for B + 1 broadcast (of 32 registers).
    public const int Mr512 = 12, Nr512 = 32;
    // Vector512 for few rows (decoding a batch of 8 or 16): 8 × 32, so 16 rows fill two panels exactly.
    public const int Mr512Small = 8;
    // Vector512 for one to four rows (decoding one or a few sequences): 4 × 32, 8 accumulators, still
    // enough independent FMA chains, and a single row does a quarter of the 8-row kernel's wasted FMAs.
    public const int Mr512Tiny = 4;
    // Vector256: 6 rows × 16 columns = 12 ymm accumulators (fits the 16 AVX2 registers).
    public const int Mr256 = 6, Nr256 = 16;
    // Scalar: a small tile the JIT keeps in registers.
    public const int MrScalar = 4, NrScalar = 4;

    public static void Kernel512<B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat =>
        Kernel512<TwelveRows, B>(kc, a, b, c, ldc, accumulate);

    public static void Kernel512Small<B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat =>
        Kernel512<EightRows, B>(kc, a, b, c, ldc, accumulate);

    public static void Kernel512Tiny<B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat =>
        Kernel512<FourRows, B>(kc, a, b, c, ldc, accumulate);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512<R, B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate)
        where R : struct, IRowCount where B : struct, IPanelFormat
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        bool eight = R.Count >= 8, twelve = R.Count == 12;
        for (int p = 0; p < kc; p++)
        {
            B.Load512(b, out var b0, out var b1);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            if (eight)
            {
                x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            }
            if (twelve)
            {
                x = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
                x = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
                x = Vector512.Create(a[10]); ca0 = Vector512.FusedMultiplyAdd(x, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(x, b1, ca1);
                x = Vector512.Create(a[11]); cb0 = Vector512.FusedMultiplyAdd(x, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(x, b1, cb1);
            }
            a += R.Count;
            b += Nr512 * B.ElementBytes;
        }
        Store512(c + 0 * ldc, c00, c01, accumulate); Store512(c + 1 * ldc, c10, c11, accumulate);
        Store512(c + 2 * ldc, c20, c21, accumulate); Store512(c + 3 * ldc, c30, c31, accumulate);
        if (!eight) return;
        Store512(c + 4 * ldc, c40, c41, accumulate); Store512(c + 5 * ldc, c50, c51, accumulate);
        Store512(c + 6 * ldc, c60, c61, accumulate); Store512(c + 7 * ldc, c70, c71, accumulate);
        if (!twelve) return;
        Store512(c + 8 * ldc, c80, c81, accumulate); Store512(c + 9 * ldc, c90, c91, accumulate);
        Store512(c + 10 * ldc, ca0, ca1, accumulate); Store512(c + 11 * ldc, cb0, cb1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        Vector512.Store(v0, c);
        Vector512.Store(v1, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel256<B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            B.Load256(b, out var b0, out var b1);
            Vector256<float> x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += Mr256;
            b += Nr256 * B.ElementBytes;
        }
        Store256(c + 0 * ldc, c00, c01, accumulate); Store256(c + 1 * ldc, c10, c11, accumulate);
        Store256(c + 2 * ldc, c20, c21, accumulate); Store256(c + 3 * ldc, c30, c31, accumulate);
        Store256(c + 4 * ldc, c40, c41, accumulate); Store256(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        Vector256.Store(v0, c);
        Vector256.Store(v1, c + 8);
    }

    public static void KernelScalar<B>(int kc, float* a, byte* b, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat
    {
        float* acc = stackalloc float[MrScalar * NrScalar];
        for (int i = 0; i < MrScalar * NrScalar; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < MrScalar; i++)
            {
                float ai = a[i];
                for (int j = 0; j < NrScalar; j++) acc[i * NrScalar + j] = MathF.FusedMultiplyAdd(ai, B.Load1(b, j), acc[i * NrScalar + j]);
            }
            a += MrScalar;
            b += NrScalar * B.ElementBytes;
        }
        for (int i = 0; i < MrScalar; i++)
            for (int j = 0; j < NrScalar; j++)
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i * NrScalar + j] : acc[i * NrScalar + j];
    }
}
