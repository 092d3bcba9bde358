using System.Numerics;
using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class SamplingMetricsTests
{
    [Theory]
    [InlineData(10, 1, 1, 0.1)]   // one draw, one correct in ten
    [InlineData(5, 2, 2, 0.7)]    // 1 − C(3,2)/C(5,2) = 1 − 3/10
    [InlineData(4, 1, 2, 0.5)]    // 1 − C(3,2)/C(4,2) = 1 − 3/6
    [InlineData(8, 0, 3, 0.0)]    // nothing correct: never passes
    [InlineData(8, 6, 3, 1.0)]    // only two wrong: any three contain a correct one
    public void PassAtK_MatchesHandComputedValues(int n, int c, int k, double expected) =>
        Assert.Equal(expected, SamplingMetrics.PassAtK(n, c, k), 12);

    [Fact]
    public void PassAtK_MatchesTheBinomialDefinition_ForAllSmallCases()
    {
        for (int n = 1; n <= 20; n++)
            for (int c = 0; c <= n; c++)
                for (int k = 1; k <= n; k++)
                {
                    double expected = 1 - (double)Binomial(n - c, k) / (double)Binomial(n, k);
                    Assert.Equal(expected, SamplingMetrics.PassAtK(n, c, k), 12);
                }
    }

    [Fact]
    public void PassAtK_StaysAccurate_WhereTheBinomialsOverflowALong()
    {
        double expected = 1 - (double)Binomial(197, 100) / (double)Binomial(200, 100);
        Assert.Equal(expected, SamplingMetrics.PassAtK(200, 3, 100), 12);
    }

    [Fact]
    public void MeanPassAtK_AveragesOverProblems() =>
        Assert.Equal((0.7 + 0.0 + 1.0) / 3, SamplingMetrics.MeanPassAtK([(5, 2), (5, 0), (5, 5)], 2), 12);

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(5, 6, 1)]
    [InlineData(5, 2, 0)]
    [InlineData(5, 2, 6)]
    public void PassAtK_RejectsImpossibleArguments(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SamplingMetrics.PassAtK(n, c, k));

    [Fact]
    public void Majority_IsTheMostFrequentAnswer() =>
        Assert.Equal("3", SamplingMetrics.MajorityAnswer(["4", "3", "5", "3"], 4));

    [Fact]
    public void Majority_Tie_GoesToTheAnswerSeenFirst()
    {
        Assert.Equal("4", SamplingMetrics.MajorityAnswer(["4", "3", "3", "4"], 4));
        Assert.Equal("3", SamplingMetrics.MajorityAnswer(["3", "4", "4", "3"], 4));
    }

    [Fact]
    public void Majority_LooksOnlyAtTheFirstKAnswers()
    {
        string?[] answers = ["1", "2", "2", "2"];
        Assert.Equal("1", SamplingMetrics.MajorityAnswer(answers, 2));
        Assert.Equal("2", SamplingMetrics.MajorityAnswer(answers, 4));
    }

    [Fact]
    public void Majority_UnparsedAnswersNeverWin()
    {
        Assert.Equal("5", SamplingMetrics.MajorityAnswer([null, null, "5"], 3));
        Assert.Equal("5", SamplingMetrics.MajorityAnswer(["", " ", "5"], 3));
        Assert.Null(SamplingMetrics.MajorityAnswer([null, null], 2));
    }

    [Fact]
    public void Majority_WithAComparer_GroupsSpellings_AndReportsTheFirst() =>
        Assert.Equal("x", SamplingMetrics.MajorityAnswer(["y", "x", "X"], 3, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void MajorityIsCorrect_AsksTheVerifierAboutTheMajorityOnly()
    {
        var asked = new List<string>();
        bool correct = SamplingMetrics.MajorityIsCorrect(["7", "8", "8"], 3, a => { asked.Add(a); return a == "8"; });
        Assert.True(correct);
        Assert.Equal(["8"], asked);
        Assert.False(SamplingMetrics.MajorityIsCorrect(["7", "7", "8"], 3, a => a == "8"));
    }

    [Fact]
    public void MajorityIsCorrect_WithNoParsedAnswer_IsWrong_WithoutCallingTheVerifier() =>
        Assert.False(SamplingMetrics.MajorityIsCorrect([null, null, null], 3, _ => throw new InvalidOperationException()));

    [Fact]
    public void Majority_RejectsKBeyondTheAnswers() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SamplingMetrics.MajorityAnswer(["1", "2"], 3));

    private static BigInteger Binomial(int n, int k)
    {
        if (k < 0 || k > n) return BigInteger.Zero;
        BigInteger result = BigInteger.One;
        for (int i = 1; i <= k; i++) result = result * (n - k + i) / i;
        return result;
    }
}
