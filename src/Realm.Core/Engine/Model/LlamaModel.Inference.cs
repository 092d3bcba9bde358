using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Engine.Model;

/// <summary>What a KV-cache step needs besides the rows: the cache, the slots the rows continue, packed weights.</summary>
internal readonly record struct CachedStep(KvCache Cache, PackedWeights Weights, int[] Slots);

/// <summary>KV-cache inference: prefill and decoding are the same operation, extending cached sequences.</summary>
public sealed unsafe partial class LlamaModel
{
    /// <summary>
    /// Appends new tokens to sequences held in <paramref name="cache"/> and returns the logits after the
    /// last new token of each: sequence s continues slot slots[s] with counts[s] tokens taken in order
    /// from <paramref name="tokens"/>. Prefill passes whole prompts; decoding passes one token per slot.
    /// Writes slots.Length × vocab logits. Attached adapters are included through <paramref name="weights"/>,
    /// which must have been packed with them (they are merged into the packed copy).
    /// </summary>
    public void Extend(KvCache cache, PackedWeights weights, Activations acts, ReadOnlySpan<int> tokens,
        int[] slots, int[] counts, Span<float> logits)
    {
        using var _ = Profiler.Measure(tokens.Length == slots.Length ? "total: decode steps" : "total: prefill");
        int n = tokens.Length, d = Config.HiddenSize, v = Config.VocabSize, seqs = slots.Length;
        if (counts.Length != seqs) throw new ArgumentException("one count per slot");
        if (logits.Length != (long)seqs * v) throw new ArgumentException($"logits needs {seqs}×{v} floats");
        if (n > acts.Capacity) throw new ArgumentException($"{n} rows exceed the activations' capacity of {acts.Capacity}");
        if (weights.Adapters != Adapters)
            throw new InvalidOperationException("the packed weights were made with other adapters than the model has now; pack them again");
        var starts = new int[seqs];
        var positions = new int[n];
        int at = 0;
        for (int s = 0; s < seqs; s++)
        {
            int past = cache.Lengths[slots[s]];
            if (past + counts[s] > Math.Min(cache.Capacity, Config.MaxPositionEmbeddings))
                throw new RealmException($"sequence in slot {slots[s]} would reach {past + counts[s]} positions, beyond the cache capacity {cache.Capacity} or the model's {Config.MaxPositionEmbeddings}");
            starts[s] = at;
            for (int i = 0; i < counts[s]; i++) positions[at + i] = past + i;
            at += counts[s];
        }
        if (at != n) throw new ArgumentException($"counts sum to {at}, not {n} tokens");
        for (int i = 0; i < n; i++)
            if ((uint)tokens[i] >= (uint)v) throw new RealmException($"token id {tokens[i]} is outside the vocabulary (size {v})");

        var step = new CachedStep(cache, weights, slots);
        var a = acts.Layers[0];
        float* stream = acts.Final.Ptr;
        fixed (int* tp = tokens, pp = positions)
        {
            if (weights.Embeddings is { } table) Embedding.Forward(Cpu, table, tp, stream, n);
            else Embedding.Forward(Cpu, W(Layout.Embed), tp, stream, n, d);
            for (int l = 0; l < Config.NumHiddenLayers; l++)
                LayerForward(l, a, stream, stream, stream, n, pp, starts, counts, step, lora: null);
        }
        for (int s = 0; s < seqs; s++) cache.Lengths[slots[s]] += counts[s];

        // Only each sequence's last row needs logits: gather those rows, normalise, project.
        float* last = a.Normed2.Ptr, normed = a.Normed1.Ptr;
        for (int s = 0; s < seqs; s++)
            Buffer.MemoryCopy(stream + (long)(starts[s] + counts[s] - 1) * d, last + (long)s * d, d * 4L, d * 4L);
        RmsNorm.Forward(Cpu, last, weights.Vector(Layout.FinalNorm), normed, null, seqs, d, (float)Config.RmsNormEps);
        fixed (float* lg = logits) Gemm.Multiply(Cpu, seqs, normed, d, false, weights.LmHead, lg, v, false);
    }
}
