using Realm.Method;

namespace Realm.Tests.Method;

public class EaaiScheduleTests
{
    [Theory]
    [InlineData(FadeShape.Linear, 0.0, 1.0)]
    [InlineData(FadeShape.Linear, 0.4, 0.5)]
    [InlineData(FadeShape.Linear, 0.8, 0.0)]
    [InlineData(FadeShape.Linear, 0.95, 0.0)]
    [InlineData(FadeShape.Cosine, 0.4, 0.5)]
    [InlineData(FadeShape.Cosine, 0.2, 0.85355339059327373)] // (1 + cos(π/4)) / 2
    [InlineData(FadeShape.Step, 0.0, 1.0)]
    [InlineData(FadeShape.Step, 0.25, 0.75)]                 // x = 0.3125: one of four steps down
    [InlineData(FadeShape.Step, 0.79, 0.25)]
    public void StrengthFollowsTheShape(FadeShape shape, double progress, double expected)
    {
        Assert.Equal(expected, new EaaiSchedule { Shape = shape }.Alpha(progress), 9);
    }

    [Fact]
    public void ExponentialStartsAtOneEndsAtZeroAndFallsFastFirst()
    {
        var s = new EaaiSchedule { Shape = FadeShape.Exponential, ExponentialRate = 4 };
        Assert.Equal(1.0, s.Alpha(0), 12);
        Assert.Equal((Math.Exp(-2) - Math.Exp(-4)) / (1 - Math.Exp(-4)), s.Alpha(0.4), 12);
        Assert.Equal(0.0, s.Alpha(0.8), 12);
        Assert.True(s.Alpha(0.4) < new EaaiSchedule().Alpha(0.4));
    }

    [Fact]
    public void AblationsAndCounts()
    {
        Assert.Equal(1.0, EaaiSchedule.AlwaysOn.Alpha(0.99));
        var cut = EaaiSchedule.CutAtOnce(0.5);
        Assert.Equal(1.0, cut.Alpha(0.49));
        Assert.Equal(0.0, cut.Alpha(0.5));
        Assert.Equal(3, EaaiSchedule.RouteCount(1.0, 3));
        Assert.Equal(2, EaaiSchedule.RouteCount(0.5, 3));   // round(1.5) away from zero
        Assert.Equal(1, EaaiSchedule.RouteCount(0.1, 3));   // never fewer than one when shown
        Assert.Equal(3, EaaiSchedule.VisibleSteps(0.5, 5)); // ⌈2.5⌉
        Assert.Equal(5, EaaiSchedule.VisibleSteps(1.0, 5));
        Assert.Equal(0, EaaiSchedule.VisibleSteps(0.0, 5));
    }
}
