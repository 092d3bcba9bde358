using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class SeedMergeTests
{
    private static MethodResult Row(string method, int seed, int n, int withRoutes, int withoutRoutes, double? verify = null) =>
        MethodResult.FromCounts(method, EvalSplit.Id, n, withRoutes, withoutRoutes, verify) with { Seed = seed };

    [Fact]
    public void Merge_AveragesSeeds_PoolsTheInterval_AndKeepsEachSeed()
    {
        var merged = Assert.Single(SeedMerge.Merge([
            Row("GRPO", 1, 10, 5, 2, 0.5),
            Row("GRPO", 2, 10, 6, 3, 0.7),
            Row("GRPO", 3, 10, 10, 4, 0.9),
        ]));

        Assert.Equal(30, merged.N);
        Assert.Equal(0.7, merged.AccRoutes, 12);                   // (0.5 + 0.6 + 1.0) / 3
        Assert.Equal(0.3, merged.AccNoRoutes, 12);                 // (0.2 + 0.3 + 0.4) / 3
        Assert.Equal(0.7, merged.VerifyAcc!.Value, 12);
        Assert.Equal(0.5212, merged.AccRoutesCi.Lo, 4);            // Wilson for 21 of 30, by hand
        Assert.Equal(0.8334, merged.AccRoutesCi.Hi, 4);
        Assert.Equal(Wilson.Interval(9, 30), merged.AccNoRoutesCi);
        // Deviations −0.2, −0.1, +0.3: squares sum to 0.14, over n − 1 = 2.
        Assert.Equal(Math.Sqrt(0.07), merged.Std!.AccRoutes, 12);
        Assert.Equal(0.1, merged.Std.AccNoRoutes, 12);             // 0.2, 0.3, 0.4
        Assert.Equal(0.2, merged.Std.VerifyAcc!.Value, 12);        // 0.5, 0.7, 0.9
        Assert.Equal([1, 2, 3], merged.Seeds!);
        Assert.Equal([0.5, 0.6, 1.0], merged.PerSeed!.Select(s => s.AccRoutes));
        Assert.Equal([1, 2, 3], merged.PerSeed!.Select(s => s.Seed!.Value));
    }

    [Fact]
    public void MergingFiles_SumsEachMethodsBudgetOverTheSeedsThatRanIt()
    {
        MethodSummary Method(string name, long updates) => new()
        {
            Name = name, Role = MethodRole.Baseline, StartsFrom = "distilled", Routes = "none",
            Budget = new MethodBudget { Sequences = 64 * updates, OptimizerUpdates = updates, TrainedTokens = 100 * updates },
        };
        ResultsFile Seed(int seed, params MethodSummary[] methods) => new()
        {
            Domain = "tariff", Rows = [Row("SFT", seed, 10, 5, 5)], Methods = methods,
        };
        var merged = SeedMerge.Merge([Seed(1, Method("SFT", 64), Method("ablation", 64)), Seed(2, Method("SFT", 64))]);
        Assert.Equal(["SFT", "ablation"], merged.Methods.Select(m => m.Name));
        Assert.Equal(new MethodBudget { Sequences = 8192, OptimizerUpdates = 128, TrainedTokens = 12800 }, merged.Methods[0].Budget);
        Assert.Equal(64, merged.Methods[1].Budget.OptimizerUpdates);
    }

    [Fact]
    public void Merge_KeepsMethodsAndSplitsApart_InFirstSeenOrder()
    {
        var rows = SeedMerge.Merge([
            Row("SFT", 1, 10, 1, 1),
            Row("GRPO", 1, 10, 2, 2),
            Row("SFT", 2, 10, 3, 3),
            Row("SFT", 1, 10, 9, 9) with { Split = EvalSplit.OodCompose },
        ]);
        Assert.Equal([("SFT", "id"), ("GRPO", "id"), ("SFT", "ood-compose")], rows.Select(r => (r.Method, r.Split)));
        Assert.Equal(0.2, rows[0].AccRoutes, 12);
        Assert.Null(rows[1].Std); // one seed: no spread to report
        Assert.Null(rows[0].VerifyAcc);
        Assert.Null(rows[0].Std!.VerifyAcc);
    }

    [Fact]
    public void Merge_CountsASeedThatNeverVerifiedAsZero_WhenAnotherSeedVerified()
    {
        // A real case: one seed's SFT model wrote no verify block on the OOD split, another's wrote wrong ones.
        var merged = Assert.Single(SeedMerge.Merge([Row("SFT", 1, 10, 1, 1, verify: null), Row("SFT", 2, 10, 1, 1, verify: 0.3)]));
        Assert.Equal(0.15, merged.VerifyAcc!.Value, 12);
        Assert.Equal(Math.Sqrt(0.045), merged.Std!.VerifyAcc!.Value, 12); // 0 and 0.3 around 0.15
        Assert.Null(merged.PerSeed![0].VerifyAcc); // each seed's own value stays as measured
    }

    [Fact]
    public void Merge_AveragesPassAtK_OverTheKsEverySeedReports()
    {
        var merged = Assert.Single(SeedMerge.Merge([
            Row("GRPO", 1, 10, 5, 5) with { PassAtK = new Dictionary<int, double> { [1] = 0.4, [4] = 0.6 } },
            Row("GRPO", 2, 10, 5, 5) with { PassAtK = new Dictionary<int, double> { [1] = 0.6, [8] = 0.9 } },
        ]));
        Assert.Equal([1], merged.PassAtK!.Keys);
        Assert.Equal(0.5, merged.PassAtK[1], 12);
        Assert.Null(merged.MajAtK);
    }

    [Fact]
    public void Merge_OfFiles_SumsWallTime_AndWritesAValidFile()
    {
        using var temp = new TempDirectory();
        var merged = SeedMerge.Merge([
            new ResultsFile { Domain = "tariff", WallSeconds = 10, Rows = [Row("SFT", 1, 10, 5, 5)] },
            new ResultsFile { Domain = "tariff", WallSeconds = 15, Rows = [Row("SFT", 2, 10, 7, 5)] },
        ]);
        Assert.Equal(25, merged.WallSeconds);
        merged.Write(temp.File("results.json"));
        var read = Assert.Single(ResultsFile.Read(temp.File("results.json")).Rows);
        Assert.Equal([1, 2], read.Seeds!);
        Assert.Equal(0.6, read.AccRoutes, 12);
        Assert.Equal(Math.Sqrt(0.02), read.Std!.AccRoutes, 12); // 0.5 and 0.7 around 0.6
    }

    [Fact]
    public void Merge_RefusesDifferentDomains() =>
        Assert.Throws<RealmException>(() => SeedMerge.Merge([
            new ResultsFile { Domain = "tariff", Rows = [] },
            new ResultsFile { Domain = "dosage", Rows = [] },
        ]));

    [Fact]
    public void Merge_RefusesRowsWithoutSeed_RepeatedSeeds_AndAlreadyMergedRows()
    {
        Assert.Contains("needs its seed", Assert.Throws<RealmException>(() =>
            SeedMerge.Merge([Row("SFT", 1, 10, 5, 5), Row("SFT", 2, 10, 5, 5) with { Seed = null }])).Message);
        Assert.Contains("twice", Assert.Throws<RealmException>(() =>
            SeedMerge.Merge([Row("SFT", 1, 10, 5, 5), Row("SFT", 1, 10, 6, 5)])).Message);
        var merged = SeedMerge.Merge([Row("SFT", 1, 10, 5, 5), Row("SFT", 2, 10, 6, 5)]);
        Assert.Throws<RealmException>(() => SeedMerge.Merge(merged));
    }
}
