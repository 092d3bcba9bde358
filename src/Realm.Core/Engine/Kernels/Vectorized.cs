using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>Small vectorised loops shared by several kernels, dispatched on the SIMD level.</summary>
internal static unsafe class Vectorized
{
    public static float SumSquares(SimdLevel simd, float* x, int n) => simd switch
    {
        SimdLevel.Vector512 => SumSquares<V512>(x, n),
        SimdLevel.Vector256 => SumSquares<V256>(x, n),
        _ => SumSquares<V1>(x, n),
    };

    private static float SumSquares<T>(float* x, int n) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var acc = T.Zero;
        for (int i = 0; i < main; i += T.Count)
        {
            var v = T.Load(x + i);
            acc = T.Fma(v, v, acc);
        }
        float s = T.Sum(acc);
        for (int i = main; i < n; i++) s += x[i] * x[i];
        return s;
    }

    public static float Dot(SimdLevel simd, float* a, float* b, int n) => simd switch
    {
        SimdLevel.Vector512 => Dot<V512>(a, b, n),
        SimdLevel.Vector256 => Dot<V256>(a, b, n),
        _ => Dot<V1>(a, b, n),
    };

    private static float Dot<T>(float* a, float* b, int n) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var acc = T.Zero;
        for (int i = 0; i < main; i += T.Count) acc = T.Fma(T.Load(a + i), T.Load(b + i), acc);
        float s = T.Sum(acc);
        for (int i = main; i < n; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>max over x[0..n) (−∞ for n = 0).</summary>
    public static float Max<T>(float* x, int n) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        float max = float.NegativeInfinity;
        if (main > 0)
        {
            var vmax = T.Load(x);
            for (int i = T.Count; i < main; i += T.Count) vmax = T.Max(vmax, T.Load(x + i));
            max = T.MaxAcross(vmax);
        }
        for (int i = main; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    /// <summary>y = x · s ∘ w.</summary>
    public static void ScaleMultiply(SimdLevel simd, float* x, float s, float* w, float* y, int n)
    {
        switch (simd)
        {
            case SimdLevel.Vector512: ScaleMultiply<V512>(x, s, w, y, n); break;
            case SimdLevel.Vector256: ScaleMultiply<V256>(x, s, w, y, n); break;
            default: ScaleMultiply<V1>(x, s, w, y, n); break;
        }
    }

    private static void ScaleMultiply<T>(float* x, float s, float* w, float* y, int n) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var vs = T.Splat(s);
        for (int i = 0; i < main; i += T.Count) T.Store(T.Load(x + i) * vs * T.Load(w + i), y + i);
        for (int i = main; i < n; i++) y[i] = x[i] * s * w[i];
    }

    /// <summary>x ← x · s.</summary>
    public static void Scale(SimdLevel simd, float* x, float s, int n)
    {
        switch (simd)
        {
            case SimdLevel.Vector512: Scale<V512>(x, s, n); break;
            case SimdLevel.Vector256: Scale<V256>(x, s, n); break;
            default: Scale<V1>(x, s, n); break;
        }
    }

    private static void Scale<T>(float* x, float s, int n) where T : struct, IVec<T>
    {
        int main = n - n % T.Count;
        var vs = T.Splat(s);
        for (int i = 0; i < main; i += T.Count) T.Store(T.Load(x + i) * vs, x + i);
        for (int i = main; i < n; i++) x[i] *= s;
    }

    /// <summary>y += x.</summary>
    public static void Add(SimdLevel simd, float* x, float* y, long n)
    {
        switch (simd)
        {
            case SimdLevel.Vector512: Add<V512>(x, y, n); break;
            case SimdLevel.Vector256: Add<V256>(x, y, n); break;
            default: Add<V1>(x, y, n); break;
        }
    }

    private static void Add<T>(float* x, float* y, long n) where T : struct, IVec<T>
    {
        long main = n - n % T.Count;
        for (long i = 0; i < main; i += T.Count) T.Store(T.Load(y + i) + T.Load(x + i), y + i);
        for (long i = main; i < n; i++) y[i] += x[i];
    }
}
