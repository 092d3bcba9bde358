using Realm.Data;
using Realm.Domains;
using Realm.Method.FineTuning;

namespace Realm.Tests.FineTuning;

public class FineTuneDatasetTests
{
    [Fact]
    public void AUserDomainIsCheckedByExactAnswersAndSplitIntoTrainAndHeldOut()
    {
        using var dir = new TempDirectory();
        string path = FineTuneCliTests.WriteDataset(dir.File("sums.jsonl"));
        var data = FineTuneDataset.Read(path, "id", needsSolutions: true, skipBadLines: false);
        Assert.IsType<ExactAnswerDomain>(data.Domain);
        Assert.Equal("sums", data.Domain.Name);
        Assert.Equal(12, data.Train.Count);
        Assert.Equal(4, data.Eval.Count);
        Assert.Equal($"{path}:3", data.Where(data.Train[2]));
        Assert.Equal(12, data.Solutions().Count());
        Assert.Empty(FineTuneDataset.Read(path, "ood", needsSolutions: false, skipBadLines: false).Eval);
    }

    [Fact]
    public void AProblemWithoutASolutionStopsDistillationOrIsSkipped()
    {
        using var dir = new TempDirectory();
        string path = FineTuneCliTests.WriteDataset(dir.File("sums.jsonl"), (i, p) => i is 2 or 7 ? FineTuneCliTests.WithRoutes(p, p.Routes.Where(r => !r.Correct)) : p);
        var e = Assert.Throws<RealmException>(() => FineTuneDataset.Read(path, "id", needsSolutions: true, skipBadLines: false));
        Assert.StartsWith($"{path}:3: problem 'sum-002' has no route marked correct", e.Message);
        Assert.Contains("(2 problems have faults", e.Message);

        var skipped = FineTuneDataset.Read(path, "id", needsSolutions: true, skipBadLines: true);
        Assert.Equal(10, skipped.Train.Count);
        Assert.Equal(2, skipped.Skipped.Count);
        Assert.StartsWith($"{path}:8: problem 'sum-007'", skipped.Skipped[1]);

        // RL learns from its own answers: problems without solutions are fine there.
        Assert.Equal(12, FineTuneDataset.Read(path, "id", needsSolutions: false, skipBadLines: false).Train.Count);
    }

    [Fact]
    public void MixedDomainsAndAMissingTrainSplitAreErrors()
    {
        using var dir = new TempDirectory();
        string mixed = FineTuneCliTests.WriteDataset(dir.File("mixed.jsonl"), (i, p) => i == 4 ? Copy(p, domain: "other") : p);
        var e = Assert.Throws<RealmException>(() => FineTuneDataset.Read(mixed, "id", needsSolutions: false, skipBadLines: false));
        Assert.Equal($"{mixed}: the problems mix domains (sums, other); use one domain per file", e.Message);

        string noTrain = FineTuneCliTests.WriteDataset(dir.File("test-only.jsonl"), (_, p) => Copy(p, split: "test"));
        e = Assert.Throws<RealmException>(() => FineTuneDataset.Read(noTrain, "id", needsSolutions: false, skipBadLines: false));
        Assert.Contains("no usable problems in split 'train' (the file has splits test)", e.Message);
    }

    private static Problem Copy(Problem p, string? domain = null, string? split = null) => new()
    {
        Id = p.Id, Domain = domain ?? p.Domain, Question = p.Question, Answer = p.Answer, Split = split ?? p.Split, Routes = p.Routes,
    };
}
