using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Realm.Engine.Kernels;

/// <summary>
/// How packed B panels store their elements, and how a micro-kernel reads one k-row of a panel as F32
/// vectors. The micro-kernels are generic over this, so F32 and BF16 weights run the same FMA sequence
/// (and a BF16 matrix whose values came from BF16 gives bit-for-bit the F32 result).
/// </summary>
internal unsafe interface IPanelFormat
{
    static abstract int ElementBytes { get; }

    /// <summary>The 32 columns of a 512-bit kernel's k-row: columns 0–15 and 16–31.</summary>
    static abstract void Load512(byte* row, out Vector512<float> low, out Vector512<float> high);

    /// <summary>The 16 columns of a 256-bit kernel's k-row: columns 0–7 and 8–15.</summary>
    static abstract void Load256(byte* row, out Vector256<float> low, out Vector256<float> high);

    static abstract float Load1(byte* row, int column);
}

internal readonly unsafe struct F32Panels : IPanelFormat
{
    public static int ElementBytes => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(byte* row, out Vector512<float> low, out Vector512<float> high)
    {
        low = Vector512.Load((float*)row);
        high = Vector512.Load((float*)row + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* row, out Vector256<float> low, out Vector256<float> high)
    {
        low = Vector256.Load((float*)row);
        high = Vector256.Load((float*)row + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int column) => ((float*)row)[column];
}

/// <summary>
/// BF16 panels. .NET exposes no AVX512-BF16 intrinsics, and vdpbf16ps would round the activations to
/// BF16 too, so the kernels widen in registers: interleaving a 16-bit value with a zero below it
/// (vpunpcklwd/vpunpckhwd against zero) makes it the top half of a 32-bit lane, which is exactly its
/// F32 value. Those instructions work within 128-bit lanes, so each k-row of a SIMD panel is stored
/// permuted (<see cref="Position"/>) such that the low unpack yields the row's first half of columns
/// in order and the high unpack its second half: one load and two unpacks per k-row, no shifts.
/// </summary>
internal readonly unsafe struct Bf16Panels : IPanelFormat
{
    public static int ElementBytes => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(byte* row, out Vector512<float> low, out Vector512<float> high)
    {
        var v = Vector512.Load((ushort*)row);
        low = Avx512BW.UnpackLow(Vector512<ushort>.Zero, v).AsSingle();
        high = Avx512BW.UnpackHigh(Vector512<ushort>.Zero, v).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* row, out Vector256<float> low, out Vector256<float> high)
    {
        var v = Vector256.Load((ushort*)row);
        low = Avx2.UnpackLow(Vector256<ushort>.Zero, v).AsSingle();
        high = Avx2.UnpackHigh(Vector256<ushort>.Zero, v).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, int column) => Bf16.ToFloat(((ushort*)row)[column]);

    /// <summary>
    /// Where column <paramref name="column"/> of a k-row of width <paramref name="nr"/> is stored. SIMD
    /// panels (16 or 32 wide): in each 8-value group g, four columns of the first half (4g…4g+3) and then
    /// four of the second half. The scalar kernel's narrow panels are stored in order.
    /// </summary>
    public static int Position(int column, int nr)
    {
        if (nr < 16) return column;
        int half = nr / 2, h = column / half, r = column % half;
        return r / 4 * 8 + h * 4 + r % 4;
    }

    /// <summary>Rounds an F32 panel of <paramref name="kc"/> k-rows of width <paramref name="nr"/> into BF16, each row permuted.</summary>
    public static void Store(float* panel, int kc, int nr, ushort* dst)
    {
        Span<int> position = stackalloc int[nr]; // the same for every k-row: worked out once per panel
        for (int j = 0; j < nr; j++) position[j] = Position(j, nr);
        for (int p = 0; p < kc; p++, panel += nr, dst += nr)
            for (int j = 0; j < nr; j++) dst[position[j]] = Bf16.FromFloat(panel[j]);
    }
}
