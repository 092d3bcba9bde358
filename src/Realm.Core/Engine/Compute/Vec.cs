using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Realm.Engine.Compute;

/// <summary>
/// A float vector of some width, so each elementwise kernel is written once and compiled three times:
/// <see cref="V512"/>, <see cref="V256"/> and the one-lane <see cref="V1"/> (the scalar path). The JIT
/// specialises generic code per struct type, so the abstraction costs nothing at run time.
/// </summary>
internal unsafe interface IVec<T> where T : struct, IVec<T>
{
    static abstract int Count { get; }
    static abstract T Zero { get; }
    static abstract T Load(float* p);
    static abstract void Store(T v, float* p);
    static abstract T Splat(float x);
    static abstract T operator +(T a, T b);
    static abstract T operator -(T a, T b);
    static abstract T operator *(T a, T b);
    static abstract T operator /(T a, T b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract T Fma(T a, T b, T c);
    static abstract T Max(T a, T b);
    static abstract T Exp(T x);
    static abstract float Sum(T v);
    static abstract float MaxAcross(T v);
}

internal unsafe readonly struct V512 : IVec<V512>
{
    private readonly Vector512<float> _v;
    private V512(Vector512<float> v) => _v = v;
    public static int Count => Vector512<float>.Count;
    public static V512 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(float* p) => new(Vector512.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V512 v, float* p) => v._v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Splat(float x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator -(V512 a, V512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator *(V512 a, V512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator /(V512 a, V512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Fma(V512 a, V512 b, V512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Max(V512 a, V512 b) => new(Vector512.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Exp(V512 x)
    {
        // e^x = 2^n · e^r with n = round(x·log2 e), |r| ≤ ln2/2; e^r by the Cephes expf polynomial (≈1 ulp).
        var v = Vector512.Clamp(x._v, Vector512.Create(FastExp.Min), Vector512.Create(FastExp.Max));
        var n = Vector512.Round(v * Vector512.Create(FastExp.Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-FastExp.Ln2Hi), v);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-FastExp.Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(FastExp.P0), r, Vector512.Create(FastExp.P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(FastExp.P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(FastExp.P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(FastExp.P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(FastExp.P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        var result = p * scale;
        return new(Vector512.ConditionalSelect(Vector512.LessThan(x._v, Vector512.Create(FastExp.Min)), Vector512<float>.Zero, result));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V512 v) => Vector512.Sum(v._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(V512 v) =>
        MathF.Max(V256.MaxAcross256(v._v.GetLower()), V256.MaxAcross256(v._v.GetUpper()));
}

internal unsafe readonly struct V256 : IVec<V256>
{
    private readonly Vector256<float> _v;
    private V256(Vector256<float> v) => _v = v;
    public static int Count => Vector256<float>.Count;
    public static V256 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(float* p) => new(Vector256.Load(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V256 v, float* p) => v._v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Splat(float x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator +(V256 a, V256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator -(V256 a, V256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator *(V256 a, V256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator /(V256 a, V256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Fma(V256 a, V256 b, V256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Max(V256 a, V256 b) => new(Vector256.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Exp(V256 x)
    {
        var v = Vector256.Clamp(x._v, Vector256.Create(FastExp.Min), Vector256.Create(FastExp.Max));
        var n = Vector256.Round(v * Vector256.Create(FastExp.Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-FastExp.Ln2Hi), v);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-FastExp.Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(FastExp.P0), r, Vector256.Create(FastExp.P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(FastExp.P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(FastExp.P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(FastExp.P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(FastExp.P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        var result = p * scale;
        return new(Vector256.ConditionalSelect(Vector256.LessThan(x._v, Vector256.Create(FastExp.Min)), Vector256<float>.Zero, result));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V256 v) => Vector256.Sum(v._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(V256 v) => MaxAcross256(v._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float MaxAcross256(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }
}

/// <summary>Constants of the vectorised e^x (Cephes expf: range reduction by ln 2, degree-5 minimax polynomial).</summary>
internal static class FastExp
{
    // Below Min the result would be subnormal: it is flushed to 0. Above Max it would overflow: clamped.
    public const float Min = -87.33654f, Max = 88.37626f;
    public const float Log2E = 1.44269504088896341f;
    public const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    public const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
        P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
}

/// <summary>The scalar path: one lane.</summary>
internal unsafe readonly struct V1 : IVec<V1>
{
    private readonly float _v;
    private V1(float v) => _v = v;
    public static int Count => 1;
    public static V1 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Load(float* p) => new(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V1 v, float* p) => *p = v._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Splat(float x) => new(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator +(V1 a, V1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator -(V1 a, V1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator *(V1 a, V1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator /(V1 a, V1 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Fma(V1 a, V1 b, V1 c) => new(MathF.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Max(V1 a, V1 b) => new(MathF.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Exp(V1 x) => new(MathF.Exp(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V1 v) => v._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(V1 v) => v._v;
}
