using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Cli.Bench;

/// <summary>The model and adapter <c>realm bench lora</c> trains: by default Qwen2.5-0.5B's shape with rank 16 on every projection.</summary>
internal sealed record LoraBenchShape(QwenShape Model, int Seq, int Batch, LoraConfig Lora, int Steps);

/// <summary>What <c>realm bench lora --json</c> prints; the names are the JSON keys.</summary>
/// <remarks>CPU seconds per step (all threads) show the work when the machine is shared and wall time is not.</remarks>
internal sealed record LoraBenchResult(long BaseParams, long TrainableParams, double StepSeconds, double CpuSecondsPerStep,
    double TokensPerS, double ModelRssMb, double PeakRssMb, IReadOnlyList<(string Name, double Seconds, long Calls)> Profile);

/// <summary>
/// Memory and speed of LoRA supervised fine-tuning on a random Qwen2-style model (q/k/v biases, tied
/// embeddings): SftTrainer steps of batch × seq tokens (one forward and backward pass each, the loss on all
/// but each sequence's first token), adapters only. Peak RSS is the process's high-water mark, so it
/// includes the model, the training activations, the adapters with their gradients and AdamW moments.
/// </summary>
internal static class LoraBench
{
    public static LoraBenchResult Run(Cpu cpu, LoraBenchShape s, Action<string> status)
    {
        var config = s.Model.Config(maxPositions: s.Seq);
        status($"initialising a random {config.ParameterCount:N0}-parameter model");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);
        using var adapters = LoraAdapters.Create(config, s.Lora, seed: 2);
        model.Adapters = adapters;
        double modelRss = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);

        var rng = new SplitMix64(3);
        var examples = Enumerable.Range(0, 4 * s.Batch).Select(_ =>
        {
            var ids = Enumerable.Range(0, s.Seq).Select(_ => rng.NextInt(s.Model.Vocab)).ToArray();
            return new PromptCompletion(ids[..1], ids[1..]);
        }).ToList();
        var sft = new SftConfig
        {
            Steps = s.Steps + 1, BatchSize = s.Batch, MaxTokensPerPass = s.Batch * s.Seq, CheckpointEvery = int.MaxValue, Seed = 4,
            Optimizer = new OptimizerConfig { LearningRate = 1e-4f, WarmupSteps = 0 },
        };
        var times = new List<double>();
        var cpuTimes = new List<double>();
        var clock = Stopwatch.StartNew();
        var process = Process.GetCurrentProcess();
        var cpuAtStart = process.TotalProcessorTime;
        status($"LoRA SFT: {s.Batch}×{s.Seq} tokens per step, 1 warm-up step + {s.Steps} timed");
        new SftTrainer(model, new ByteTokenizer(), examples, sft, checkpointDir: null).Run(p =>
        {
            process.Refresh();
            if (p.Step > 1)
            {
                times.Add(clock.Elapsed.TotalSeconds);
                cpuTimes.Add((process.TotalProcessorTime - cpuAtStart).TotalSeconds);
            }
            else Profiler.Reset(); // profile the timed steps only
            clock.Restart();
            cpuAtStart = process.TotalProcessorTime;
            status($"LoRA SFT: step {p.Step}/{sft.Steps}, loss {p.Loss:F3}");
        });
        times.Sort();
        cpuTimes.Sort();
        double step = times[times.Count / 2];
        process.Refresh();
        double peak = process.PeakWorkingSet64 / (1024.0 * 1024.0);
        return new LoraBenchResult(model.ParameterCount, adapters.Layout.Total, step, cpuTimes[cpuTimes.Count / 2], s.Batch * s.Seq / step,
            modelRss, peak, Profiler.Enabled ? Profiler.Snapshot() : []);
    }
}
