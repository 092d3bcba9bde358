using System.Diagnostics;
using System.Text;

namespace Realm.Tests.Cli;

/// <summary>Runs the built realm CLI as a separate process, as a user would.</summary>
public static class RealmProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Runs realm with <paramref name="stdin"/> piped to its standard input (closed at the end), or none.</summary>
    public static Result RunWithInput(string? stdin, params string[] args)
    {
        using var p = Start(stdin != null, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) WriteAndClose(p.StandardInput, stdin);
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("realm " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Runs realm and kills it (SIGKILL, as a crash or an out-of-memory kill would) as soon as
    /// <paramref name="killWhen"/> holds, checked every few milliseconds; returns when it has exited.
    /// </summary>
    public static Result RunUntil(Func<bool> killWhen, params string[] args)
    {
        using var p = Start(redirectInput: false, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!p.HasExited && !killWhen())
        {
            if (DateTime.UtcNow > deadline) { p.Kill(true); throw new TimeoutException("realm " + string.Join(' ', args)); }
            Thread.Sleep(5);
        }
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts realm with stdout and stderr (and, if asked, stdin) redirected, for tests that talk to it while it runs.</summary>
    public static Process Start(bool redirectInput, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (redirectInput)
        {
            psi.RedirectStandardInput = true;
            psi.StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        }
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "realm.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["REALM_THREADS"] = "2";
        return Process.Start(psi)!;
    }

    // A process that stops before reading its input (e.g. on a user error) closes the pipe: not a failure here.
    private static void WriteAndClose(StreamWriter input, string text)
    {
        try
        {
            input.Write(text);
            input.Close();
        }
        catch (IOException) { }
    }

    /// <summary>Asserts a clean user error: exit code 1, one line on stderr containing every fragment, no stack trace.</summary>
    public static void AssertUserError(Result r, params string[] fragments)
    {
        Assert.True(r.ExitCode == 1, $"exit code {r.ExitCode}; stderr: {r.Stderr}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{r.Stderr}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
