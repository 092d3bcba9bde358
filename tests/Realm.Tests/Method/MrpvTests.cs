using Realm.Data;
using Realm.Engine.Compute;
using Realm.Method;
using Realm.Method.Rewards;

namespace Realm.Tests.Method;

public class MrpvTests
{
    private static Problem ThreeRouteProblem()
    {
        var p = new Problem { Id = "t-1", Domain = "fake", Question = "2+3", Answer = "5" };
        p.Routes.Add(new Route { Text = "1. R1: 2+3=5\nAnswer: 5", Answer = "5", Correct = true });
        p.Routes.Add(new Route { Text = "1. R1: 2+3=6\n2. R2: 6*1=6\nAnswer: 6", Answer = "6", Correct = false, FirstErrorStep = 1 });
        p.Routes.Add(new Route { Text = "1. R1: 2+3=5\n2. R2: 5*2=10\nAnswer: 10", Answer = "10", Correct = false, FirstErrorStep = 2 });
        return p;
    }

    private static MrpvPrompt InOrder(Problem p) => MrpvPrompts.Render(p, p.Routes, 1.0);

    /// <summary>The three MRPV reward plug-ins' scores and their total at the default weights (1, 0.5, 0.1).</summary>
    private sealed record Scores(double Answer, double Verification, double Format)
    {
        public double Total => 1.0 * Answer + 0.5 * Verification + 0.1 * Format;
    }

    private static Scores Score(string completion, MrpvPrompt? prompt = null, Problem? problem = null)
    {
        var p = problem ?? ThreeRouteProblem();
        var task = new ProblemPrompt(new FakeDomain(), p, prompt ?? InOrder(p));
        return new Scores(new AnswerReward().Score(task, completion), new VerificationReward().Score(task, completion),
            new FormatReward().Score(task, completion));
    }

    [Fact]
    public void PerfectAnswerScoresAllThreeParts()
    {
        var r = Score("<verify>\nRoute 1: correct\nRoute 2: wrong at step 1\nRoute 3: wrong at step 2\n</verify>\n<think>\n1. R1: 2+3=5\n</think>\nAnswer: 5");
        Assert.Equal((1.0, 1.0, 1.0), (r.Answer, r.Verification, r.Format));
        Assert.Equal(1.0 + 0.5 + 0.1, r.Total, 10);
    }

    [Fact]
    public void VerificationGivesHalfCreditForWrongWithoutTheRightStep()
    {
        // Route 1 right (1), route 2 "wrong" without step (0.5), route 3 wrong at the wrong step (0.5).
        var r = Score("<verify>\nRoute 1: correct\nRoute 2: wrong\nRoute 3: wrong at step 1\n</verify>\n<think>\nx\n</think>\nAnswer: 5");
        Assert.Equal(2.0 / 3, r.Verification, 10);
        // Calling a negative correct and a positive wrong scores 0 for those routes.
        r = Score("<verify>\nRoute 1: wrong\nRoute 2: correct\nRoute 3: wrong at step 2\n</verify>\n<think>\nx\n</think>\nAnswer: 7");
        Assert.Equal(1.0 / 3, r.Verification, 10);
        Assert.Equal(0, r.Answer);
        Assert.Equal(0.5 / 3 + 0.1, r.Total, 10);
    }

    [Theory]
    [InlineData("", 0, 0, 0)]
    [InlineData("Answer: 5", 1, 0, 0)]                                         // no blocks at all
    [InlineData("<verify>\nRoute 1: correct\n<think>\nx\n</think>\nAnswer: 5", 1, 0, 0)] // verify never closed
    [InlineData("<verify>\nRoute 1: correct\nRoute 1: wrong\nRoute 2: wrong at step 1\nRoute 3: wrong at step 2\n</verify>\n<think>\nx\n</think>\nAnswer: 5", 1, 1, 0)] // route 1 judged twice
    [InlineData("<verify>\nRoute 1: correct\nRoute 2: banana\nRoute 3: wrong at step 2\n</verify>\n<think>\nx\n</think>\nAnswer: 5", 1, 2.0 / 3, 0)]
    [InlineData("<verify>\nRoute 1: correct\nRoute 2: wrong at step 1\nRoute 3: wrong at step 2\n</verify>\nAnswer: 5", 1, 1, 0)] // no think block
    [InlineData("<verify>\nRoute 1: correct\nRoute 2: wrong at step 1\nRoute 3: wrong at step 2\n</verify>\n<think>\nx\n</think>\nAnswer: five", 0, 1, 1)] // unparseable answer still well-formed
    [InlineData("<verify>\nRoute 9: correct\n</verify>\n<think>\n</think>", 0, 0, 0)]
    public void MalformedOutputsScoreZeroForWhatTheyBreakAndNeverThrow(string completion, double answer, double verification, double format)
    {
        var r = Score(completion);
        Assert.Equal(answer, r.Answer);
        Assert.Equal(verification, r.Verification, 10);
        Assert.Equal(format, r.Format);
    }

    [Fact]
    public void WithoutRoutesAVerifyBlockBreaksTheFormat()
    {
        var plain = MrpvPrompts.Plain(ThreeRouteProblem());
        Assert.Equal(1, Score("<think>\n1. R1: 2+3=5\n</think>\nAnswer: 5", plain).Format);
        Assert.Equal(0, Score("<verify>\n</verify>\n<think>\n1. R1: 2+3=5\n</think>\nAnswer: 5", plain).Format);
        Assert.Equal(0, Score("<think>\nx\n</think>\nAnswer: 5", plain).Verification);
    }

    [Fact]
    public void TruncatedRoutesChangeWhatIsVisiblyWrong()
    {
        var p = ThreeRouteProblem();
        var prompt = MrpvPrompts.Render(p, p.Routes, 0.5); // ⌈0.5·1⌉ = 1 and ⌈0.5·2⌉ = 1 steps shown
        Assert.Null(prompt.Routes[0].VisibleError);
        Assert.Equal(1, prompt.Routes[1].VisibleError);   // its error is in step 1: visible
        Assert.Null(prompt.Routes[2].VisibleError);       // its error is in step 2: hidden, reads as correct
        Assert.DoesNotContain("Answer: 10", prompt.Text);
        var r = Score(
            "<verify>\nRoute 1: correct\nRoute 2: wrong at step 1\nRoute 3: correct\n</verify>\n<think>\nx\n</think>\nAnswer: 5", prompt, p);
        Assert.Equal(1.0, r.Verification, 10);
    }

    [Fact]
    public void ATruncatedNegativeRouteWithAnUnknownFirstErrorIsNeverShownOrScoredAsCorrect()
    {
        // Defect (issue 10): cut before its unknown error, the route read as "correct so far" and a
        // "correct" verdict on it earned full verification credit.
        var p = new Problem { Id = "t-2", Domain = "fake", Question = "2+3", Answer = "5" };
        p.Routes.Add(new Route { Text = "1. R1: 2+3=5\n2. R2: 5*2=10\n3. R3: 10-1=9\nAnswer: 9", Answer = "9", Correct = false });
        var prompt = MrpvPrompts.Render(p, p.Routes, 0.4);
        var shown = prompt.Routes[0];
        Assert.NotNull(shown.VisibleError);
        Assert.Contains("Answer: 9", prompt.Text); // unknown error: the route is shown whole, not cut
        var output = MrpvOutput.Parse("<verify>\nRoute 1: correct\n</verify>\n<think>\nx\n</think>\nAnswer: 5");
        Assert.Equal(0, RouteVerdicts.Score(prompt, output));
        Assert.False(RouteVerdicts.IsRight(shown, output.Verdicts[1]));
    }

    [Fact]
    public void PromptLabelsRoutesInOrderAndEndsWithTheAnswerCue()
    {
        var p = ThreeRouteProblem();
        var prompt = InOrder(p);
        Assert.StartsWith("Q: 2+3\nRoute 1:\n1. R1: 2+3=5\nAnswer: 5\nRoute 2:\n", prompt.Text);
        Assert.EndsWith("Answer: 10\nA:\n", prompt.Text);
        Assert.Equal("Q: 2+3\nA:\n", MrpvPrompts.Plain(p).Text);
    }

    [Fact]
    public void SampledPromptsMixPolarityAndFollowAlpha()
    {
        var p = ThreeRouteProblem();
        var rng = new SplitMix64(3);
        var options = new RouteOptions();
        var schedule = new EaaiSchedule();
        int withRoutes = 0;
        for (int i = 0; i < 2000; i++)
        {
            var prompt = MrpvPrompts.Sample(p, 1.0, options, schedule, ref rng);
            Assert.Equal(3, prompt.Routes.Count);
            Assert.Contains(prompt.Routes, r => r.Route.Correct);
            Assert.Contains(prompt.Routes, r => !r.Route.Correct);
            var half = MrpvPrompts.Sample(p, 0.5, options, schedule, ref rng);
            if (half.Routes.Count > 0) { withRoutes++; Assert.Equal(2, half.Routes.Count); }
        }
        Assert.InRange(withRoutes, 900, 1100); // shown with probability α = 0.5
        Assert.Empty(MrpvPrompts.Sample(p, 0.0, options, schedule, ref rng).Routes);
        var positivesOnly = MrpvPrompts.Sample(p, 1.0, options with { IncludeNegatives = false }, schedule, ref rng);
        Assert.All(positivesOnly.Routes, r => Assert.True(r.Route.Correct));
    }

    [Fact]
    public void EvaluationPromptsAreFixedPerProblem()
    {
        var p = ThreeRouteProblem();
        var a = MrpvPrompts.ForEvaluation(p, new RouteOptions(), 7);
        var b = MrpvPrompts.ForEvaluation(p, new RouteOptions(), 7);
        Assert.Equal(a.Text, b.Text);
        Assert.Equal(3, a.Routes.Count);
    }

    // FNV-1a over the UTF-16 little-endian bytes, written independently of SplitMix64.StableHash.
    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL; // the FNV-1a 64-bit offset basis
        foreach (byte b in System.Text.Encoding.Unicode.GetBytes(text)) hash = unchecked((hash ^ b) * 1099511628211UL);
        return hash;
    }

    [Theory]
    [InlineData("")]
    [InlineData("t-1")]
    [InlineData("tariff-id-00042")]
    [InlineData("ünï-ꙮ-😀")]
    public void StableHashIsFnv1aOfTheUtf16Bytes(string text) => Assert.Equal(Fnv1a(text), SplitMix64.StableHash(text));

    [Fact]
    public void EvaluationRoutesAreSeededFromAStableHashOfTheId()
    {
        // string.GetHashCode is randomised per process: a seed made from it drew other routes in every run.
        var p = ThreeRouteProblem();
        Assert.Equal(7UL ^ Fnv1a(p.Id) * 0x9E3779B97F4A7C15UL, MrpvPrompts.EvaluationSeed(p, 7));
        var other = new Problem { Id = "t-2", Domain = p.Domain, Question = p.Question, Answer = p.Answer };
        Assert.NotEqual(MrpvPrompts.EvaluationSeed(p, 7), MrpvPrompts.EvaluationSeed(other, 7));
    }

    [Theory]
    // ThreeRouteProblem: route 1 correct, route 2 wrong from step 1, route 3 wrong from step 2.
    [InlineData("Route 1: correct\nRoute 2: wrong at step 1\nRoute 3: wrong at step 2", 3, 2)]
    [InlineData("Route 1: correct\nRoute 2: wrong at step 1\nRoute 3: wrong at step 1", 3, 1)]  // right call, wrong step
    [InlineData("Route 1: correct\nRoute 2: wrong\nRoute 3: wrong", 3, 0)]                      // no steps named
    [InlineData("Route 1: wrong at step 1\nRoute 2: correct\nRoute 3: wrong at step 2", 1, 1)]
    [InlineData("", 0, 0)]
    public void EvaluationCountsRightCallsAndExactFirstWrongSteps(string verdicts, int judgedRight, int stepsNamed)
    {
        var prompt = InOrder(ThreeRouteProblem());
        var output = MrpvOutput.Parse($"<verify>\n{verdicts}\n</verify>\n<think>\nx\n</think>\nAnswer: 5");
        Assert.Equal((3, judgedRight, 2, stepsNamed), RouteVerdicts.Tally(prompt, output));
    }
}
