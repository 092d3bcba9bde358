using System.CommandLine;
using Realm.Cli;
using Realm.Cli.Commands;
using Spectre.Console;

// Plain output when piped or logged: no colour codes or live redraws in files and CI logs.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Capabilities.Ansi = false;
    AnsiConsole.Profile.Capabilities.Interactive = false;
}

var root = new RootCommand("ReaLM for .NET: train small language models to reason in a vertical domain, on the CPU.")
{
    DemoCommand.Create(),
    ExperimentCommand.Create(),
    PretrainCommand.Create(),
    SftCommand.Create(),
    RlCommand.Create(),
    EvalCommand.Create(),
    TrainLmCommand.Create(),
    GenerateCommand.Create(),
    ChatCommand.Create(),
    LoraCommand.Create(),
    ServeCommand.Create(),
    TeacherCommand.Create(),
    BenchCommand.Create(),
    DataCommand.Create(),
    TokenizeCommand.Create(),
    TrainTokenizerCommand.Create(),
};
return CommandRunner.Invoke(root, args);
