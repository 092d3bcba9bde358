using Realm.Data;
using Realm.Domains;
using static Realm.Tests.Domains.RouteInspection;

namespace Realm.Tests.Data;

public class DatasetBuilderTests
{
    private static readonly DatasetOptions Small = new() { Train = 300, Dev = 30, Id = 60, OodLength = 60, OodCompose = 60, Seed = 4, Negatives = 2 };

    private static List<string> Lines(string domain, DatasetOptions options) =>
        DatasetBuilder.Build(BuiltInDomains.Get(domain), options).Select(ProblemJsonl.Serialize).ToList();

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(Realm.Tests.Domains.RouteInspection))]
    public void TheSameSeedGivesTheSameDataset(string name)
    {
        Assert.Equal(Lines(name, Small), Lines(name, Small));
        Assert.NotEqual(Lines(name, Small), Lines(name, new DatasetOptions { Train = 300, Dev = 30, Id = 60, OodLength = 60, OodCompose = 60, Seed = 5 }));
        // Each problem has its own generator: asking for more ood-compose problems only adds some at the end.
        var more = Lines(name, new DatasetOptions { Train = 300, Dev = 30, Id = 60, OodLength = 60, OodCompose = 90, Seed = 4 });
        Assert.Equal(Lines(name, Small), more.Take(510));
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(Realm.Tests.Domains.RouteInspection))]
    public void ProblemsHaveIdsRoutesAndSplitsAsAsked(string name)
    {
        var domain = BuiltInDomains.Get(name);
        var problems = DatasetBuilder.Build(domain, Small).ToList();
        Assert.Equal(new[] { ("train", 300), ("dev", 30), ("id", 60), ("ood-length", 60), ("ood-compose", 60) }
            .SelectMany(s => Enumerable.Repeat(s.Item1, s.Item2)), problems.Select(p => p.Split));
        Assert.Equal($"{name}-train-000000", problems[0].Id);
        Assert.Equal($"{name}-ood-compose-000059", problems[^1].Id);
        Assert.All(problems, p => Assert.Equal(domain.Rulebook.Id, p.Rulebook));
        foreach (var split in Splits.All)
        {
            var (min, max) = domain.DefaultDifficulty(split);
            Assert.All(problems.Where(p => p.Split == split), p => Assert.InRange(p.Difficulty, min, max));
        }

        var kinds = new Dictionary<string, int>();
        int distinctKinds = 0;
        foreach (var p in problems)
        {
            Assert.True(p.Routes[0].Correct && p.Routes[0].Answer == p.Answer);
            var negatives = p.Routes.Skip(1).ToList();
            Assert.Equal(2, negatives.Count);
            Assert.All(negatives, r => Assert.False(r.Correct || domain.Verify(p, r.Answer)));
            Assert.Equal(negatives.Count, negatives.Select(r => r.Text).Distinct().Count());
            var names = negatives.Select(r => r.Extra!["error_kind"]!.GetValue<string>()).ToList();
            foreach (var kind in names) kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            if (names.Distinct().Count() == names.Count) distinctKinds++;
        }
        Assert.True(distinctKinds >= problems.Count * 0.95, $"only {distinctKinds} problems mix error kinds");
        Assert.Equal(5, kinds.Count);
        Assert.All(kinds.Values, count => Assert.True(count >= problems.Count * 2 / 10, string.Join(", ", kinds)));
    }

    [Theory]
    [MemberData(nameof(DomainNames), MemberType = typeof(Realm.Tests.Domains.RouteInspection))]
    public void TestQuestionsAreNeverTrainingQuestions(string name)
    {
        var problems = DatasetBuilder.Build(BuiltInDomains.Get(name), new DatasetOptions { Train = 2000, Dev = 200, Id = 300, OodLength = 300, OodCompose = 300, Negatives = 0 }).ToList();
        var train = problems.Where(p => p.Split == Splits.Train).Select(p => p.Question).ToHashSet();
        var test = problems.Where(p => p.Split != Splits.Train).Select(p => p.Question).ToList();
        Assert.DoesNotContain(test, train.Contains);
        Assert.Equal(test.Count, test.Distinct().Count());
    }

    [Fact]
    public void RouteCountsAndDifficultiesFollowTheOptions()
    {
        var options = new DatasetOptions
        {
            Train = 20, Dev = 0, Id = 0, OodLength = 5, OodCompose = 5, Positives = 0, Negatives = 4,
            Difficulty = new Dictionary<string, (int, int)> { ["train"] = (3, 3), ["ood-length"] = (5, 5), ["ood-compose"] = (7, 7) },
        };
        var problems = DatasetBuilder.Build(new TariffDomain(), options).ToList();
        Assert.Equal(30, problems.Count);
        Assert.All(problems, p => Assert.Equal(p.Split switch { "train" => 3, "ood-length" => 5, _ => 7 }, p.Difficulty));
        Assert.All(problems, p => Assert.True(p.Routes.Count == 4 && p.Routes.All(r => !r.Correct)));
    }

    [Theory]
    [InlineData(-1, 0, 0, "--train must be at least 0, got -1")]
    [InlineData(1, -2, 0, "--positives must be at least 0, got -2")]
    [InlineData(1, 0, -3, "--negatives must be at least 0, got -3")]
    public void BadCountsAreUserErrors(int train, int positives, int negatives, string message)
    {
        var options = new DatasetOptions { Train = train, Positives = positives, Negatives = negatives };
        var e = Assert.Throws<RealmException>(() => DatasetBuilder.Build(new ArithmeticDomain(), options));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void BadDifficultyRangesAreUserErrors()
    {
        var e = Assert.Throws<RealmException>(() => DatasetBuilder.Build(new ArithmeticDomain(),
            new DatasetOptions { Difficulty = new Dictionary<string, (int, int)> { ["ood-length"] = (5, 9) } }));
        Assert.Contains("ood-length", e.Message);
        Assert.Contains("1..6", e.Message);
        e = Assert.Throws<RealmException>(() => DatasetBuilder.Build(new ArithmeticDomain(),
            new DatasetOptions { Difficulty = new Dictionary<string, (int, int)> { ["ood"] = (1, 2) } }));
        Assert.Contains("'ood'", e.Message);
    }
}
