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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Exp(V512 x) => new(Vector512.Exp(x._v));
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Exp(V256 x) => new(Vector256.Exp(x._v));
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
