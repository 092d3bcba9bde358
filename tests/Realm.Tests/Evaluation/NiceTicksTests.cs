using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class NiceTicksTests
{
    [Theory]
    [InlineData(0, 1, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(0.137, 0.874, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(3, 97, new double[] { 0, 20, 40, 60, 80, 100 })]
    [InlineData(0, 1000, new double[] { 0, 200, 400, 600, 800, 1000 })]
    [InlineData(-0.3, 0.25, new[] { -0.4, -0.2, 0, 0.2, 0.4 })]
    public void Ticks_AreRoundNumbersCoveringTheRange(double lo, double hi, double[] expected) =>
        Assert.Equal(expected, NiceTicks.For(lo, hi).Values());

    [Fact]
    public void PinnedEnds_AreKept_WithRoundTicksBetween()
    {
        var ticks = NiceTicks.For(0.25, 0.75, fixedMin: 0.25, fixedMax: 0.75);
        Assert.Equal((0.25, 0.75), (ticks.Min, ticks.Max));
        Assert.Equal([0.3, 0.4, 0.5, 0.6, 0.7], ticks.Values());
    }

    [Fact]
    public void Labels_ShowJustTheDigitsTheStepNeeds()
    {
        var tenths = NiceTicks.For(0, 1);
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], tenths.Values().Select(tenths.Label));
        var hundreds = NiceTicks.For(0, 1000);
        Assert.Equal("400", hundreds.Label(400));
    }

    [Fact]
    public void AnyRange_GetsAStepOfOneTwoOrFiveTimesAPowerOfTen()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            double lo = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 6));
            double hi = lo + rng.NextDouble() * Math.Pow(10, rng.Next(-3, 6)) + 1e-6;
            var ticks = NiceTicks.For(lo, hi);
            var values = ticks.Values();

            double mantissa = ticks.Step / Math.Pow(10, Math.Floor(Math.Log10(ticks.Step) + 1e-9));
            Assert.Contains(Math.Round(mantissa, 9), new[] { 1.0, 2.0, 5.0 });
            double slack = ticks.Step * 1e-9; // floor(lo / step) * step may round a hair above lo
            Assert.True(ticks.Min <= lo + slack && ticks.Max >= hi - slack, $"[{ticks.Min}, {ticks.Max}] must cover [{lo}, {hi}]");
            Assert.InRange(values.Count, 3, 12);
            for (int i = 1; i < values.Count; i++) Assert.Equal(ticks.Step, values[i] - values[i - 1], ticks.Step * 1e-6);
        }
    }
}
