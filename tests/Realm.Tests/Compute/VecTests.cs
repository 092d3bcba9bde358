using Realm.Engine.Compute;

namespace Realm.Tests.Compute;

public unsafe class VecTests
{
    private static float[] Exp<T>(float[] x) where T : struct, IVec<T>
    {
        var y = new float[x.Length];
        fixed (float* px = x, py = y)
            for (int i = 0; i + T.Count <= x.Length; i += T.Count) T.Store(T.Exp(T.Load(px + i)), py + i);
        return y;
    }

    [Fact]
    public void VectorExpIsWithinTwoUlpOfDoublePrecision()
    {
        var x = new float[4096];
        for (int i = 0; i < x.Length; i++) x[i] = -87f + 175f * i / x.Length; // the whole normal range
        x[0] = -1000f;
        x[1] = float.NegativeInfinity;
        x[2] = 0f;
        foreach (var y in new[] { Exp<V512>(x), Exp<V256>(x), Exp<V1>(x) })
        {
            Assert.Equal(0f, y[0]);
            Assert.Equal(0f, y[1]);
            Assert.Equal(1f, y[2]);
            for (int i = 3; i < x.Length; i++)
            {
                double exact = Math.Exp(x[i]);
                double ulp = Math.Abs(MathF.BitIncrement((float)exact) - (float)exact);
                Assert.True(Math.Abs(y[i] - exact) <= 2 * ulp, $"exp({x[i]}) = {y[i]}, exact {exact}");
            }
        }
    }
}
