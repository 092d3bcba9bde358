using System.CommandLine;

namespace Realm.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the embedded end-to-end demo.");
        command.SetAction(_ => { Console.WriteLine("demo: not yet"); return 0; });
        return command;
    }
}
