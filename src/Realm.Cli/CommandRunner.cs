using System.CommandLine;
using Spectre.Console;

namespace Realm.Cli;

/// <summary>
/// Runs a command line and turns failures into exit codes: a user mistake (RealmException) prints one
/// line "error: ..." and exits 1; Ctrl+C exits 130; anything else is a bug and keeps its stack trace.
/// </summary>
internal static class CommandRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Unwrap(e) is RealmException user)
        {
            Console.Error.WriteLine($"error: {user.Message}");
            return 1;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner }) e = inner;
        while (e is System.Reflection.TargetInvocationException { InnerException: { } inner2 }) e = inner2;
        return e;
    }

    /// <summary>Cancelled on the first Ctrl+C so long jobs can stop at a safe point (and save).</summary>
    public static CancellationToken CtrlC()
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // a second Ctrl+C kills the process
            e.Cancel = true;
            AnsiConsole.MarkupLine("[yellow]stopping after the current step (Ctrl+C again to kill)...[/]");
            cts.Cancel();
        };
        return cts.Token;
    }
}
