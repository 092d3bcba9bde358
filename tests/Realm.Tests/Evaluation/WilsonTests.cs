using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class WilsonTests
{
    private const double Z2 = 1.96 * 1.96;

    [Fact]
    public void NoSuccesses_StartsAtZero_AndReachesZSquaredOverNPlusZSquared()
    {
        // At p = 0 the Wilson formula reduces to [0, z²/(n + z²)].
        var (lo, hi) = Wilson.Interval(0, 10);
        Assert.Equal(0, lo, 12);
        Assert.Equal(Z2 / (10 + Z2), hi, 12);
    }

    [Fact]
    public void AllSuccesses_EndsAtOne_AndStartsAtNOverNPlusZSquared()
    {
        var (lo, hi) = Wilson.Interval(10, 10);
        Assert.Equal(10 / (10 + Z2), lo, 12);
        Assert.Equal(1, hi, 12);
    }

    [Theory]
    // Published values of the 95% Wilson interval (no continuity correction).
    [InlineData(5, 10, 0.2366, 0.7634)]
    [InlineData(83, 100, 0.7445, 0.8911)]
    [InlineData(21, 30, 0.5212, 0.8334)]
    public void MatchesHandComputedIntervals(int successes, int n, double expectedLo, double expectedHi)
    {
        var (lo, hi) = Wilson.Interval(successes, n);
        Assert.Equal(expectedLo, lo, 4);
        Assert.Equal(expectedHi, hi, 4);
    }

    [Fact]
    public void HalfSuccesses_IsSymmetricAboutOneHalf()
    {
        var (lo, hi) = Wilson.Interval(50, 100);
        Assert.Equal(0.5, (lo + hi) / 2, 12);
    }

    [Fact]
    public void NoTrials_IsTheWholeUnitInterval() => Assert.Equal(new ConfidenceInterval(0, 1), Wilson.Interval(0, 0));

    [Fact]
    public void LargerZ_GivesAWiderInterval()
    {
        var narrow = Wilson.Interval(30, 50, z: 1.0);
        var wide = Wilson.Interval(30, 50, z: 2.576);
        Assert.True(wide.Lo < narrow.Lo && wide.Hi > narrow.Hi);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(11, 10)]
    [InlineData(0, -1)]
    public void ImpossibleCounts_Throw(int successes, int n) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(successes, n));
}
