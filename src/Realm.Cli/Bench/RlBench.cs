// `realm bench rl`: one GRPO step end to end — what a ReaLM user waits for — split into its parts, each
// set against its own roofline. The step is the real GrpoTrainer on a random model: G rollouts of a fixed
// length per prompt (no stop token, so every rollout has exactly the asked length), a synthetic reward that
// splits every group (so every sequence is trained on, as in a run with signal), one update.
// Rooflines: decoding and the optimiser are bound by the bytes they must read (measured read bandwidth),
// prefill and the training passes by their matrix FLOPs (measured FMA peak); the report gives each part's
// time as a multiple of its bound.
using System.Diagnostics;
using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Cli.Bench;

/// <summary>The model and step <c>realm bench rl</c> times.</summary>
internal sealed record RlBenchShape(string Name, LlamaConfig Config, LoraConfig? Lora, int Prompts, int Generations, int PromptTokens,
    int NewTokens, int MaxTokensPerPass, int Steps)
{
    /// <summary>The demo's model (`realm demo`: 4 layers × 128, vocabulary 512), trained in full.</summary>
    public static LlamaConfig Demo => new LlamaConfig
    {
        HiddenSize = 128, IntermediateSize = 352, NumHiddenLayers = 4, NumAttentionHeads = 4, NumKeyValueHeads = 2, VocabSize = 512,
        MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
    }.Validate("bench shape");
}

/// <summary>One part of the step: measured seconds, and the seconds its roofline allows (null: no bound computed).</summary>
internal sealed record RlBenchPart(string Name, double Seconds, double? RooflineSeconds, string Bound);

internal sealed record RlBenchResult(RlBenchShape Shape, long Params, long TrainableParams, double StepSeconds, IReadOnlyList<RlBenchPart> Parts,
    double PeakGflops, double ReadGBps, double PeakRssMb, IReadOnlyList<(string Name, double Seconds, long Calls)> Profile);

internal static class RlBench
{
    public static RlBenchResult Run(Cpu cpu, RlBenchShape s, Action<string> status)
    {
        var config = s.Config with { MaxPositionEmbeddings = Math.Max(s.Config.MaxPositionEmbeddings, s.PromptTokens + s.NewTokens) };
        status("peak FMA throughput");
        double peak = PeakFlops.MeasureGflops(cpu);
        status("read bandwidth");
        double bandwidth = ReadBandwidth.MeasureGBps(cpu);
        status($"initialising a random {config.ParameterCount:N0}-parameter model");
        using var model = new LlamaModel(config, cpu);
        model.InitializeRandom(1);
        using var adapters = s.Lora is { } lora ? LoraAdapters.Create(config, lora, seed: 2) : null;
        model.Adapters = adapters;

        var grpo = new GrpoConfig
        {
            Steps = s.Steps + 1, PromptsPerStep = s.Prompts, Generations = s.Generations, MaxNewTokens = s.NewTokens,
            MaxTokensPerPass = s.MaxTokensPerPass, CheckpointEvery = int.MaxValue, Seed = 5,
            DynamicSampling = false, // a fixed workload: exactly Prompts × G rollouts a step
            Rewards = [new(ParityReward.RewardName, 1.0)],
            Optimizer = new OptimizerConfig { LearningRate = 1e-5f, WarmupSteps = 0, Decay = DecayShape.Constant },
        };
        var source = new RandomPrompts(config.VocabSize, s.PromptTokens, seed: 6);
        var trainer = new GrpoTrainer<int[]>(model, source, [new ParityReward()], grpo, checkpointDir: null);
        bool profiling = Profiler.Enabled;
        Profiler.Enabled = true;
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        status($"GRPO: {s.Prompts} prompts × {s.Generations} rollouts of {s.NewTokens} tokens, 1 warm-up step + {s.Steps} timed");
        try
        {
            trainer.Run(p =>
            {
                if (p.Step > 1) times.Add(clock.Elapsed.TotalSeconds);
                else Profiler.Reset(); // the timed steps only
                status($"GRPO: step {p.Step}/{grpo.Steps}, {p.MeanCompletionTokens:F0} tokens per rollout");
                clock.Restart();
            });
        }
        finally
        {
            Profiler.Enabled = profiling;
        }
        var profile = Profiler.Snapshot();
        double Seconds(string name) => profile.Where(t => t.Name == name).Sum(t => t.Seconds) / s.Steps;
        double step = times.Sum() / times.Count;
        var parts = Parts(s, config, adapters, step, Seconds, peak, bandwidth);
        double rss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new RlBenchResult(s, model.ParameterCount, adapters?.Layout.Total ?? model.ParameterCount, step, parts, peak, bandwidth, rss, profile);
    }

    /// <summary>The step's parts from the profile (seconds per step), each with its roofline.</summary>
    private static List<RlBenchPart> Parts(RlBenchShape s, LlamaConfig c, LoraAdapters? adapters, double step, Func<string, double> seconds,
        double peakGflops, double readGBps)
    {
        int sequences = s.Prompts * s.Generations;
        long matrix = MatrixParams(c);
        double Flops(double f) => f / (peakGflops * 1e9);
        double Bytes(double b) => b / (readGBps * 1e9);
        int d = c.HeadDim;
        // Attention per token at context n: scores and mix, 4·layers·heads·d·n FLOPs; its KV cache read 2·layers·kvHeads·d·n floats.
        double decodeRoof = 0;
        for (int t = 0; t < s.NewTokens; t++)
        {
            int n = s.PromptTokens + t;
            double flops = sequences * (2.0 * matrix + 4.0 * c.NumHiddenLayers * c.NumAttentionHeads * d * n);
            double bytes = 4.0 * matrix + sequences * 2.0 * c.NumHiddenLayers * c.NumKeyValueHeads * d * n * 4;
            decodeRoof += Math.Max(Flops(flops), Bytes(bytes));
        }
        // Every rollout is prefilled (the G copies of a prompt too); the LM head only for its last prompt token.
        long head = (long)c.VocabSize * c.HiddenSize;
        double promptTokens = (double)sequences * s.PromptTokens;
        double prefillRoof = Flops(promptTokens * 2.0 * (matrix - head) + sequences * 2.0 * head
            + sequences * 2.0 * c.NumHiddenLayers * c.NumAttentionHeads * d * s.PromptTokens * (double)s.PromptTokens);
        int length = s.PromptTokens + s.NewTokens;
        double trainTokens = (double)sequences * length;
        // Causal attention over a sequence of L tokens: scores and mix, 4·layers·heads·d·L²/2 FLOPs forward, twice that backward.
        double attention = sequences * 2.0 * c.NumHiddenLayers * c.NumAttentionHeads * d * (double)length * length;
        double forwardRoof = Flops(trainTokens * 2.0 * matrix + attention);
        // Backward: input gradients (2·matrix per token) always; weight gradients (another 2·matrix) only when the whole model trains.
        double backwardRoof = Flops(trainTokens * (adapters == null ? 4.0 : 2.0) * matrix + 2 * attention);
        long trainable = adapters?.Layout.Total ?? c.ParameterCount;
        double optimizerRoof = Bytes(7.0 * 4 * trainable); // AdamW reads weight, gradient and two moments, writes three

        double prefill = seconds("total: prefill"), decode = seconds("total: decode steps") + seconds("sampling");
        double scoring = seconds("grpo: scoring"), reference = seconds("grpo: reference log-probs");
        double forward = seconds("total: forward") - reference, backward = seconds("total: backward");
        double optimizer = seconds("adamw") + seconds("gradient clipping");
        var parts = new List<RlBenchPart>
        {
            new("rollout prefill", prefill, prefillRoof, "FMA peak"),
            new("rollout decode", decode, decodeRoof, "FMA peak or bandwidth"),
            new("scoring (rewards)", scoring, null, ""),
            new("reference log-probs", reference, reference > 0 ? forwardRoof : null, "FMA peak"),
            new("policy log-probs (forward)", forward, forwardRoof, "FMA peak"),
            new("backward", backward, backwardRoof, "FMA peak"),
            new("optimizer (AdamW, clipping)", optimizer, optimizerRoof, "bandwidth"),
        };
        parts.Add(new RlBenchPart("other (packing, bookkeeping)", Math.Max(0, step - parts.Sum(p => p.Seconds)), null, ""));
        return parts;
    }

    /// <summary>Weights that take part in matrix products per token: the projections of every layer and the LM head.</summary>
    private static long MatrixParams(LlamaConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        long layer = h * q + 2 * h * kv + q * h + 3 * h * c.IntermediateSize;
        return c.NumHiddenLayers * layer + (long)c.VocabSize * h;
    }

    /// <summary>Fixed random prompts, drawn with the run's generator; completions read as their ids (no tokenizer needed).</summary>
    private sealed class RandomPrompts : IRolloutSource<int[]>
    {
        private readonly int[][] _pool;

        public RandomPrompts(int vocab, int length, ulong seed)
        {
            var rng = new SplitMix64(seed);
            _pool = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, length).Select(_ => rng.NextInt(vocab)).ToArray()).ToArray();
        }

        public IReadOnlyList<int[]> Draw(int count, double progress, ref SplitMix64 rng)
        {
            var drawn = new int[count][];
            for (int i = 0; i < count; i++) drawn[i] = _pool[rng.NextInt(_pool.Length)];
            return drawn;
        }

        public int[] Encode(int[] prompt) => prompt;
        public string Decode(int[] completion) => string.Join(' ', completion);
        public IReadOnlyList<int> StopIds => [];
        public IReadOnlyDictionary<string, double> Metrics(double progress) => new Dictionary<string, double>();
        public void AddSettings(RunSettings settings) { }
    }

    /// <summary>1 when an FNV-1a hash of the completion is odd: about half of each group, so no group is flat.</summary>
    private sealed class ParityReward : IRewardFunction<int[]>
    {
        public const string RewardName = "parity";
        public string Name => RewardName;

        public double Score(int[] prompt, string completion)
        {
            uint hash = 2166136261;
            foreach (char ch in completion) hash = (hash ^ ch) * 16777619;
            return hash & 1;
        }
    }
}
