using System.CommandLine;
using Realm.Engine.Compute;

namespace Realm.Cli;

/// <summary>Options every compute command takes: threads and SIMD width.</summary>
internal sealed class CommonOptions
{
    public readonly Option<int> Threads = new("--threads")
    {
        Description = "Worker threads (default: all cores, or REALM_THREADS). Results are deterministic for a given count.",
        DefaultValueFactory = _ => Cpu.DefaultThreads(),
    };

    public readonly Option<string> Simd = new("--simd")
    {
        Description = "Vector width: auto, avx512, avx2 or scalar (default: auto, or REALM_SIMD).",
        DefaultValueFactory = _ => "auto",
    };

    public void AddTo(Command command)
    {
        command.Add(Threads);
        command.Add(Simd);
    }

    public Cpu CreateCpu(ParseResult result)
    {
        int threads = result.GetValue(Threads);
        if (threads < 1) throw new RealmException($"--threads must be at least 1, got {threads}");
        string simd = result.GetValue(Simd) ?? "auto";
        var level = simd == "auto" ? SimdSupport.FromEnvironment() : SimdSupport.Parse(simd);
        return new Cpu(threads, level);
    }
}
