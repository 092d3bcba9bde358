using Realm.Engine.Kernels;

namespace Realm.Engine.Model;

/// <summary>
/// The model's projection matrices pre-packed for the GEMM, for inference: decoding multiplies each
/// weight by only a few rows per step, so packing it on every call would cost as much as the multiply.
/// Repack (create anew) after the weights change.
/// </summary>
public sealed unsafe class PackedWeights : IDisposable
{
    internal readonly PackedMatrix[] Qkv, O, GateUp, Down;
    internal readonly PackedMatrix LmHead;

    public PackedWeights(LlamaModel model)
    {
        var c = model.Config;
        var layout = model.Layout;
        int d = c.HiddenSize, f = c.IntermediateSize, q = layout.Attention.QueryWidth;
        PackedMatrix Pack(long offset, int outDim, int inDim) =>
            new(model.Cpu, model.Weights.Ptr + offset, inDim, outDim, inDim, trans: true);
        int layers = c.NumHiddenLayers;
        Qkv = new PackedMatrix[layers];
        O = new PackedMatrix[layers];
        GateUp = new PackedMatrix[layers];
        Down = new PackedMatrix[layers];
        for (int l = 0; l < layers; l++)
        {
            var o = layout.Layers[l];
            Qkv[l] = Pack(o.Qkv, layout.QkvWidth, d);
            O[l] = Pack(o.O, d, q);
            GateUp[l] = Pack(o.GateUp, 2 * f, d);
            Down[l] = Pack(o.Down, d, f);
        }
        LmHead = Pack(layout.LmHead, c.VocabSize, d);
    }

    public void Dispose()
    {
        foreach (var m in Qkv.Concat(O).Concat(GateUp).Concat(Down)) m.Dispose();
        LmHead.Dispose();
    }
}
