// realm against llama.cpp (LLamaSharp 0.30 + LLamaSharp.Backend.Cpu) on the same model, batch 1, measured in one run.
//
//   dotnet run --project bench/Realm.PeerBench -c Release -- --model DIR [--threads 1,2] [--types bf16,q8_0]
//       [--prompt 128] [--gen 128] [--rounds 3] [--isa native|avx2] [--json]
//   dotnet run --project bench/Realm.PeerBench -c Release -- --model DIR --check [--types f32,f16] [--gen 32]
//
// Benchmark: each round runs `realm bench inference` (realm's random model of DIR's shape; speed does not depend
// on the weights' values) and then llama.cpp on DIR's GGUF files, for every thread count; tables show medians
// over rounds of prefill tokens/s (one prompt, median of 3 passes) and decode tokens/s (1 / median step of
// `gen` steps after the prompt, two untimed steps first), and realm ÷ llama.cpp. --isa avx2 loads LLamaSharp's
// AVX2 build of llama.cpp and runs realm with AVX-512 and AVX-VNNI hidden from .NET.
// Check: greedy continuations of both engines on DIR itself from the same prompt ids must agree.
using System.Text.Json;
using System.Runtime.InteropServices;
using LLama.Native;
using Realm.PeerBench;

try
{
    return Run(new Options(args));
}
catch (PeerBenchException e)
{
    Console.Error.WriteLine($"peerbench: {e.Message}");
    return 1;
}

static int Run(Options o)
{
    string root = FindRepoRoot();
    var model = new ModelDirectory(o.Model, root);
    var shape = model.ReadShape();
    string realmDll = o.Realm ?? Path.Combine(root, "src/Realm.Cli/bin/Release/net10.0/realm.dll");
    if (!File.Exists(realmDll))
        throw new PeerBenchException($"{realmDll}: not found; build it first: dotnet build -c Release src/Realm.Cli");

    // Must come before the first native call; without it LLamaSharp picks the widest build the CPU runs.
    if (o.Avx2) NativeLibraryConfig.All.WithCuda(false).WithVulkan(false).WithAvx(AvxLevel.Avx2).WithAutoFallback(false);
    NativeLibraryConfig.All.WithLogCallback((level, message) =>
    {
        if (level == LLamaLogLevel.Error || Environment.GetEnvironmentVariable("PEERBENCH_LOG") == "1") Console.Error.Write($"llama.cpp: {message}");
    });
    NativeApi.llama_empty_call();
    Console.Error.WriteLine($"llama.cpp system info: {Marshal.PtrToStringAnsi(NativeApi.llama_print_system_info())}");
    Console.Error.WriteLine($"model {o.Model}: dim {shape.Dim}, {shape.Layers} layers, {shape.Heads}/{shape.KvHeads} heads, ffn {shape.Ffn}, " +
                            $"vocab {shape.Vocab}, {(shape.Tied ? "tied" : "untied")}; isa {(o.Avx2 ? "avx2" : "native")}");
    var realm = new RealmCli(realmDll, o.Avx2);
    return o.Check ? Check.Run(o, model, realm) : Speed.Run(o, model, shape, realm);
}

static string FindRepoRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Realm.slnx"))) return d.FullName;
    throw new PeerBenchException("run from inside the repository (Realm.slnx not found above the current directory)");
}

/// <summary>Command-line options; unknown or malformed ones are a one-line error.</summary>
internal sealed class Options
{
    public string Model = "";
    public int[] Threads = [1, 2];
    public string[] Types = [];
    public int Prompt = 128, Gen = 128, Rounds = 3;
    public bool Avx2, Check, Json;
    public string? Realm;
    public bool? FlashAttention; // null: llama.cpp decides (auto)

    public Options(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new PeerBenchException($"{args[i]} needs a value");
            int Positive(string name, string text) => int.TryParse(text, out int v) && v >= 1 ? v
                : throw new PeerBenchException($"{name}: '{text}' is not a positive integer");
            switch (args[i])
            {
                case "--model": Model = Next(); break;
                case "--threads": Threads = Next().Split(',').Select(t => Positive("--threads", t.Trim())).ToArray(); break;
                case "--types": Types = Next().Split(',').Select(t => t.Trim().ToLowerInvariant()).ToArray(); break;
                case "--prompt": Prompt = Positive("--prompt", Next()); break;
                case "--gen": Gen = Positive("--gen", Next()); break;
                case "--rounds": Rounds = Positive("--rounds", Next()); break;
                case "--realm": Realm = Next(); break;
                case "--check": Check = true; break;
                case "--json": Json = true; break;
                case "--flash-attn":
                    string fa = Next();
                    FlashAttention = fa switch
                    {
                        "auto" => null,
                        "on" => true,
                        "off" => false,
                        _ => throw new PeerBenchException($"--flash-attn: '{fa}' (use auto, on or off)"),
                    };
                    break;
                case "--isa":
                    string isa = Next();
                    Avx2 = isa == "avx2" ? true : isa == "native" ? false : throw new PeerBenchException($"--isa: '{isa}' (use native or avx2)");
                    break;
                default: throw new PeerBenchException($"unknown option '{args[i]}'");
            }
        }
        if (Model == "") throw new PeerBenchException("--model DIR is required (a directory with config.json + model.safetensors)");
        if (Types.Length == 0) Types = Check ? ["f32", "f16"] : ["bf16", "q8_0"];
        foreach (var t in Types)
            if (t is not ("f32" or "f16" or "bf16" or "q8_0")) throw new PeerBenchException($"--types: '{t}' (use f32, f16, bf16, q8_0)");
        if (Check && !args.Contains("--gen")) Gen = 32;
    }
}
