using System.CommandLine;
using Realm.Cli;
using Realm.Cli.Commands;

var root = new RootCommand("ReaLM for .NET: train small language models to reason in a vertical domain, on the CPU.")
{
    DemoCommand.Create(),
    TrainLmCommand.Create(),
    GenerateCommand.Create(),
    BenchCommand.Create(),
};
return CommandRunner.Invoke(root, args);
