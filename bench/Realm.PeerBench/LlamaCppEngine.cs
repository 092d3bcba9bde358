// llama.cpp through LLamaSharp: loads a GGUF once, then times batch-1 prefill and decode steps and runs
// greedy continuations. Each call to Decode is synchronous on the CPU backend; logits are requested only
// for the last prompt token and for each decoded token, as a user's generation loop would.
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Realm.PeerBench;

internal sealed class LlamaCppEngine : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    /// <param name="f32Cache">F32 keys and values (for the correctness check); llama.cpp's default is F16.</param>
    /// <param name="flash">llama.cpp's flash attention: on, off, or null for its default (auto).</param>
    public LlamaCppEngine(string gguf, int threads, int contextSize, int batchSize, bool f32Cache, bool? flash)
    {
        var p = new ModelParams(gguf)
        {
            ContextSize = (uint)contextSize, BatchSize = (uint)batchSize, UBatchSize = (uint)batchSize,
            Threads = threads, BatchThreads = threads, GpuLayerCount = 0, FlashAttention = flash,
        };
        if (f32Cache) { p.TypeK = GGMLType.GGML_TYPE_F32; p.TypeV = GGMLType.GGML_TYPE_F32; }
        _weights = LLamaWeights.LoadFromFile(p);
        _context = _weights.CreateContext(p);
    }

    public int VocabSize => _context.Vocab.Count;

    /// <summary>Clears the cache and runs the prompt as one batch; returns the seconds it took.</summary>
    public double Prefill(IReadOnlyList<int> prompt)
    {
        _context.NativeHandle.MemoryClear(true);
        _batch.Clear();
        for (int i = 0; i < prompt.Count; i++) _batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        return TimedDecode();
    }

    /// <summary>Appends one token at <paramref name="position"/>; returns the seconds it took.</summary>
    public double Step(int token, int position)
    {
        _batch.Clear();
        _batch.Add((LLamaToken)token, position, LLamaSeqId.Zero, true);
        return TimedDecode();
    }

    /// <summary>The logits of the last token that asked for them.</summary>
    public float[] LastLogits() => _context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1).ToArray();

    private double TimedDecode()
    {
        var sw = Stopwatch.StartNew();
        var status = _context.NativeHandle.Decode(_batch);
        _context.NativeHandle.Synchronize();
        double seconds = sw.Elapsed.TotalSeconds;
        if (status != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {status}");
        return seconds;
    }

    /// <summary>Greedy continuation: ids and each one's log-probability, as <c>realm generate --greedy --json</c> prints.</summary>
    public (int[] Ids, double[] Logprobs, double[] Gaps) Greedy(IReadOnlyList<int> prompt, int count)
    {
        var ids = new int[count];
        var logprobs = new double[count];
        var gaps = new double[count];
        Prefill(prompt);
        for (int i = 0; i < count; i++)
        {
            var logits = LastLogits();
            (ids[i], logprobs[i], gaps[i]) = Stats.Top1(logits);
            if (i + 1 < count) Step(ids[i], prompt.Count + i);
        }
        return (ids, logprobs, gaps);
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
