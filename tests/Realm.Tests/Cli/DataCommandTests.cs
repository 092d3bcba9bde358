using Realm.Data;

namespace Realm.Tests.Cli;

public class DataCommandTests
{
    [Theory]
    [InlineData("tariff")]
    [InlineData("arith")]
    [InlineData("payroll")]
    public void GenerateThenValidate(string domain)
    {
        using var dir = new TempDirectory();
        string path = dir.File("data.jsonl");
        var r = RealmProcess.Run("data", "generate", "--domain", domain, "--out", path, "--train", "40", "--dev", "5", "--id", "10", "--ood-length", "10", "--ood-compose", "10", "--seed", "3", "--negatives", "3");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("wrote 75 problems with 75 correct and 225 wrong routes", r.Stdout);
        Assert.Equal(75, File.ReadAllLines(path).Length);
        Assert.Equal(domain, ProblemJsonl.Read(path).Problems[0].Domain);

        r = RealmProcess.Run("data", "validate", path);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("ok: 75 problems, no errors", r.Stdout);
        foreach (var row in new[] { "train", "dev", "id", "ood-length", "ood-compose", "total" }) Assert.Contains(row, r.Stdout);
    }

    [Fact]
    public void ValidateListsWhatIsWrongAndExitsOne()
    {
        using var dir = new TempDirectory();
        string path = dir.File("data.jsonl");
        Assert.Equal(0, RealmProcess.Run("data", "generate", "--domain", "tariff", "--out", path, "--train", "5", "--dev", "1", "--id", "1", "--ood-length", "1", "--ood-compose", "1").ExitCode);
        var lines = File.ReadAllLines(path);
        var second = ProblemJsonl.Read(path).Problems[1];
        lines[1] = lines[1].Replace($"\"answer\":\"{second.Answer}\",\"difficulty\"", "\"answer\":\"9999\",\"difficulty\"");
        lines[4] = lines[4].Replace("\"correct\":true", "\"correct\":\"yes\"");
        File.WriteAllLines(path, lines);

        // Stopping at the first malformed line is a one-line user error naming it.
        var r = RealmProcess.Run("data", "validate", path);
        RealmProcess.AssertUserError(r, $"{path}:5:", "correct", "--skip-bad-lines");

        // Going on past it lists every problem.
        r = RealmProcess.Run("data", "validate", path, "--skip-bad-lines");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("2 error(s), 1 of them malformed lines", r.Stdout);
        Assert.Contains($"{path}:5: field \"routes[0].correct\" must be true or false", r.Stdout);
        Assert.Contains($"{path}:2: answer \"9999\" is wrong: the tariff expert gets {second.Answer}", r.Stdout);
    }

    [Theory]
    [InlineData("tariff", "R13. Minimum charge")]
    [InlineData("arith", "R2. Do *, / and % before + and -.")]
    [InlineData("payroll", "R7. Tax: take off a tenth of the gross above 200.")]
    public void RulebookPrintsTheNumberedRules(string domain, string rule)
    {
        var r = RealmProcess.Run("data", "rulebook", "--domain", domain);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith($"{domain}-v1 (", r.Stdout);
        Assert.Contains(rule, r.Stdout);
    }

    [Fact]
    public void UserMistakesAreOneLineErrors()
    {
        using var dir = new TempDirectory();
        RealmProcess.AssertUserError(RealmProcess.Run("data", "rulebook", "--domain", "chess"), "'chess'", "arith, tariff");
        RealmProcess.AssertUserError(RealmProcess.Run("data", "generate", "--domain", "arith", "--out", dir.File("x.jsonl"), "--train", "-5"), "--train", "-5");
        RealmProcess.AssertUserError(RealmProcess.Run("data", "validate", dir.File("missing.jsonl")), "missing.jsonl: file not found");
        Assert.Empty(dir.Entries()); // nothing written on error
    }

    [Theory]
    [InlineData("generate", "--negatives")]
    [InlineData("validate", "--skip-bad-lines")]
    [InlineData("rulebook", "--domain")]
    public void EverySubcommandExplainsItself(string command, string mentions)
    {
        var r = RealmProcess.Run("data", command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(mentions, r.Stdout);
    }
}
