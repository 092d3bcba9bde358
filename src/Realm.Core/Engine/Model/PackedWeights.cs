using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>
/// The model's projection matrices pre-packed for the GEMM, for inference: decoding multiplies each
/// weight by only a few rows per step, so packing it on every call would cost as much as the multiply.
/// Repack (create anew) after the weights or the attached adapters change.
/// </summary>
/// <remarks>
/// Attached LoRA adapters are merged into the packed copy (W + (alpha/r)·B·A): the packed copy exists
/// anyway, merging costs one small GEMM per adapter per packing, and decoding then runs exactly as fast
/// as without adapters. Applying the LoRA path in every decoding step instead would add two skinny GEMMs
/// per adapted projection per token. The merged result equals the unmerged one up to float rounding.
/// </remarks>
public sealed unsafe class PackedWeights : IDisposable
{
    internal readonly PackedMatrix[] Qkv, O, GateUp, Down;
    internal readonly PackedMatrix LmHead;

    /// <summary>The adapters merged into the packed copy (null: none), so decoding can check they are the model's.</summary>
    internal LoraAdapters? Adapters { get; }

    public PackedWeights(LlamaModel model)
    {
        var c = model.Config;
        var layout = model.Layout;
        int d = c.HiddenSize, f = c.IntermediateSize, q = layout.Attention.QueryWidth;
        Adapters = model.Adapters;
        long largest = Math.Max(Math.Max((long)layout.QkvWidth * d, (long)d * q), Math.Max(2L * f * d, (long)d * f));
        using NativeBuffer? merged = Adapters == null ? null : new NativeBuffer(largest, zero: false);
        PackedMatrix Pack(long offset, int outDim, int inDim, int layer = -1, params LoraTarget[] targets)
        {
            float* w = model.Weights.Ptr + offset;
            if (merged != null && targets.Any(Adapters!.Config.IsTargeted))
            {
                Buffer.MemoryCopy(w, merged.Ptr, (long)outDim * inDim * 4, (long)outDim * inDim * 4);
                foreach (var t in targets.Where(Adapters.Config.IsTargeted))
                    Adapters.AddDelta(model.Cpu, layer, t, merged.Ptr + (ProjectionSite.Of(layout, layer, t).Weight - offset));
                w = merged.Ptr;
            }
            return new PackedMatrix(model.Cpu, w, inDim, outDim, inDim, trans: true);
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
    }

    public void Dispose()
    {
        foreach (var m in Qkv.Concat(O).Concat(GateUp).Concat(Down)) m.Dispose();
        LmHead.Dispose();
    }
}
