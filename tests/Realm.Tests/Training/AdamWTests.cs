using Realm.Engine.Compute;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Tests.Training;

public unsafe class AdamWTests
{
    [Fact]
    public void MatchesTheTorchAdamWFormulaOverSeveralSteps()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        var config = Model.ModelGradientTests.TinyConfig(bias: true, tied: false);
        var layout = new ParameterLayout(config);
        var options = new AdamWOptions { Beta1 = 0.8f, Beta2 = 0.9f, Epsilon = 1e-6f, WeightDecay = 0.2f };
        using var w = new NativeBuffer(layout.Total);
        using var adam = new AdamW(new TrainableParameters(w, layout.Parameters), options);
        using var g = new NativeBuffer(layout.Total);
        var w0 = TestSupport.Random((int)layout.Total, 1);
        w0.CopyTo(w.Span);

        // Reference in double: torch.optim.AdamW (decoupled decay on matrices only here).
        var rw = w0.Select(x => (double)x).ToArray();
        var m = new double[rw.Length];
        var v = new double[rw.Length];
        var decays = new bool[rw.Length];
        foreach (var p in layout.Parameters) for (long i = 0; i < p.Length; i++) decays[p.Offset + i] = p.Decays;
        float[] lrs = { 0.1f, 0.05f, 0.02f };
        for (int t = 1; t <= lrs.Length; t++)
        {
            var grad = TestSupport.Random(rw.Length, 10 + t);
            grad.CopyTo(g.Span);
            adam.Update(cpu, g, lrs[t - 1]);
            for (int i = 0; i < rw.Length; i++)
            {
                double lr = lrs[t - 1];
                rw[i] -= lr * (decays[i] ? options.WeightDecay : 0) * rw[i];
                m[i] = options.Beta1 * m[i] + (1 - options.Beta1) * grad[i];
                v[i] = options.Beta2 * v[i] + (1 - options.Beta2) * grad[i] * (double)grad[i];
                double mh = m[i] / (1 - Math.Pow(options.Beta1, t)), vh = v[i] / (1 - Math.Pow(options.Beta2, t));
                rw[i] -= lr * mh / (Math.Sqrt(vh) + options.Epsilon);
            }
        }
        TestSupport.AssertClose(w.Span, rw, 1e-5, "weights after 3 AdamW steps");
        Assert.Equal(3, adam.Step);
        Assert.Contains(layout.Parameters, p => !p.Decays); // norms and biases exist and are exempt
    }

    [Fact]
    public void ClippingScalesToTheMaximumGlobalNorm()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best, 3);
        using var g = new NativeBuffer(40000);
        var values = TestSupport.Random(40000, 3);
        values.CopyTo(g.Span);
        double expected = Math.Sqrt(values.Sum(x => (double)x * x));
        double before = GradientClipping.Clip(cpu, g, 1.5);
        Assert.Equal(expected, before, 6);
        Assert.Equal(1.5, GradientClipping.GlobalNorm(cpu, g), 4);
        Assert.Equal(1.5, GradientClipping.Clip(cpu, g, 10), 4); // below the limit: unchanged
    }

    [Fact]
    public void ScheduleWarmsUpThenDecays()
    {
        var s = new LearningRateSchedule(1f, 10, 110, DecayShape.Cosine, 0.1f);
        Assert.Equal(0.1f, s.At(0), 5);
        Assert.Equal(1f, s.At(9), 5);
        Assert.Equal(1f, s.At(10), 5);
        Assert.Equal(0.55f, s.At(60), 4);
        Assert.Equal(0.1f, s.At(110), 5);
        var linear = s with { Decay = DecayShape.Linear };
        Assert.Equal(0.55f, linear.At(60), 4);
        Assert.Equal(1f, (s with { Decay = DecayShape.Constant }).At(100), 5);
    }
}
