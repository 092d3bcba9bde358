using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>Where packing reads F32 weights: floats [offset, offset + length) of the model's layout, valid until the next call.</summary>
internal unsafe delegate float* WeightRange(long offset, long length);

/// <summary>
/// What KV-cache inference reads, prepared once: the projection matrices pre-packed for the GEMM (decoding
/// multiplies each weight by only a few rows per step, so packing it on every call would cost as much as
/// the multiply), in F32, BF16 or Q8, and a copy of the norm gains and biases. Repack (create anew) after the
/// weights or the attached adapters change.
/// </summary>
/// <remarks>
/// Attached LoRA adapters are merged into the packed copy (W + (alpha/r)·B·A): the packed copy exists
/// anyway, merging costs one small GEMM per adapter per packing, and decoding then runs exactly as fast
/// as without adapters. Applying the LoRA path in every decoding step instead would add two skinny GEMMs
/// per adapted projection per token. The merged result equals the unmerged one up to float rounding
/// (BF16: up to rounding the merged weight to BF16).
/// <para>In BF16 and Q8 the copy is complete: the embedding is read from a packed matrix too (the output head's,
/// when tied), so the model can drop its F32 buffer (<see cref="LlamaModel.KeepOnlyInferenceWeights"/>).</para>
/// </remarks>
public sealed unsafe class PackedWeights : IDisposable
{
    internal readonly PackedMatrix[] Qkv, O, GateUp, Down;
    internal readonly PackedMatrix LmHead;

    /// <summary>The token embedding in packed form (BF16 and Q8; F32 inference reads the model's table).</summary>
    internal readonly PackedMatrix? Embeddings;

    // Norm gains and biases (1-D parameters) by their offset in the model's layout. Copied: they are tiny,
    // and a BF16 model has no F32 buffer left to point into.
    private readonly NativeBuffer _vectors;
    private readonly Dictionary<long, long> _vectorAt = new();

    public WeightFormat Format { get; }

    /// <summary>The adapters merged into the packed copy (null: none), so decoding can check they are the model's.</summary>
    internal LoraAdapters? Adapters { get; }

    /// <summary>Bytes of everything this copy holds: packed matrices (the tied embedding counted once) and vectors.</summary>
    public long Bytes =>
        Matrices().Sum(m => m.Bytes) + (Embeddings != null && Embeddings != LmHead ? Embeddings.Bytes : 0) + _vectors.Length * sizeof(float);

    /// <summary>Bytes one decoding step reads from the packed matrices: every projection and the output head once.</summary>
    public long MatrixBytes => Matrices().Sum(m => m.Bytes);

    public PackedWeights(LlamaModel model, WeightFormat format = WeightFormat.F32)
        : this(model, format, (offset, _) => model.Weights.Ptr + offset) { }

    /// <summary>Packs weights read from <paramref name="source"/> (a checkpoint being loaded, or the model's own buffer).</summary>
    internal PackedWeights(LlamaModel model, WeightFormat format, WeightRange source)
    {
        var c = model.Config;
        var layout = model.Layout;
        int d = c.HiddenSize, f = c.IntermediateSize, q = layout.Attention.QueryWidth;
        Format = format;
        Adapters = model.Adapters;
        long largest = Math.Max(Math.Max((long)layout.QkvWidth * d, (long)d * q), Math.Max(2L * f * d, (long)d * f));
        using NativeBuffer? merged = Adapters == null ? null : new NativeBuffer(largest, zero: false);
        PackedMatrix Pack(long offset, int outDim, int inDim, int layer = -1, params LoraTarget[] targets)
        {
            float* w = source(offset, (long)outDim * inDim);
            if (merged != null && targets.Any(Adapters!.Config.IsTargeted))
            {
                Buffer.MemoryCopy(w, merged.Ptr, (long)outDim * inDim * 4, (long)outDim * inDim * 4);
                foreach (var t in targets.Where(Adapters.Config.IsTargeted))
                    Adapters.AddDelta(model.Cpu, layer, t, merged.Ptr + (ProjectionSite.Of(layout, layer, t).Weight - offset));
                w = merged.Ptr;
            }
            return new PackedMatrix(model.Cpu, w, inDim, outDim, inDim, trans: true, format);
        }
        int layers = c.NumHiddenLayers;
        Qkv = new PackedMatrix[layers];
        O = new PackedMatrix[layers];
        GateUp = new PackedMatrix[layers];
        Down = new PackedMatrix[layers];
        for (int l = 0; l < layers; l++)
        {
            var o = layout.Layers[l];
            Qkv[l] = Pack(o.Qkv, layout.QkvWidth, d, l, LoraTarget.QProj, LoraTarget.KProj, LoraTarget.VProj);
            O[l] = Pack(o.O, d, q, l, LoraTarget.OProj);
            GateUp[l] = Pack(o.GateUp, 2 * f, d, l, LoraTarget.GateProj, LoraTarget.UpProj);
            Down[l] = Pack(o.Down, d, f, l, LoraTarget.DownProj);
        }
        LmHead = Pack(layout.LmHead, c.VocabSize, d);
        if (format != WeightFormat.F32)
            Embeddings = layout.LmHead == layout.Embed ? LmHead : Pack(layout.Embed, c.VocabSize, d);

        var vectors = layout.Parameters.Where(p => p.Shape.Length == 1).ToList();
        _vectors = new NativeBuffer(vectors.Sum(p => p.Length));
        long at = 0;
        foreach (var p in vectors)
        {
            Buffer.MemoryCopy(source(p.Offset, p.Length), _vectors.Ptr + at, p.Length * 4, p.Length * 4);
            _vectorAt[p.Offset] = at;
            at += p.Length;
        }
    }

    /// <summary>The copy of the 1-D parameter (norm gain or bias) at <paramref name="offset"/> in the model's layout.</summary>
    internal float* Vector(long offset) => _vectors.Ptr + _vectorAt[offset];

    private IEnumerable<PackedMatrix> Matrices() => Qkv.Concat(O).Concat(GateUp).Concat(Down).Append(LmHead);

    public void Dispose()
    {
        foreach (var m in Matrices()) m.Dispose();
        if (Embeddings != LmHead) Embeddings?.Dispose();
        _vectors.Dispose();
    }
}
