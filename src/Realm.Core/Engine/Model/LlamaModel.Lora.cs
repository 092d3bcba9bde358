using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>
/// The LoRA path of a targeted projection: y += (alpha/r)·(dropout(x)·Aᵀ)·Bᵀ, and its backward pass. It
/// runs beside the base GEMM (which is unchanged) and adds into the projection's columns of the fused
/// output, so an adapter on q alone, or on up alone, needs no change to the fused q/k/v or gate/up GEMMs.
/// </summary>
public sealed unsafe partial class LlamaModel
{
    /// <summary>A pass with adapters: them, the activations they keep, and whether this is a training pass (dropout on).</summary>
    private readonly record struct LoraStep(LoraAdapters Adapters, LoraActivations Buffers, bool Training);

    /// <summary>Starts a forward pass: null without adapters; a training pass draws fresh dropout masks.</summary>
    private LoraStep? BeginLoraForward(Activations acts)
    {
        acts.ForwardAdapters = _adapters;
        if (_adapters == null) return null;
        var buffers = acts.LoraFor(_adapters);
        if (acts.ForTraining) buffers.Pass = _adapters.DropoutPasses++;
        return new LoraStep(_adapters, buffers, acts.ForTraining);
    }

    private LoraStep? BeginLoraBackward(Activations acts)
    {
        if (acts.ForwardAdapters != _adapters)
            throw new InvalidOperationException("the forward pass for these activations ran with other adapters than the model has now");
        return _adapters == null ? null : new LoraStep(_adapters, acts.LoraFor(_adapters), Training: true);
    }

    private static ulong DropoutKey(in LoraStep lora, int layer, LoraTarget target) =>
        LoraDropout.Key(lora.Adapters.DropoutSeed, lora.Buffers.Pass, layer, target);

    /// <summary>
    /// Adds the adapter of projection <paramref name="target"/> (if targeted) for rows x [n, in] into its
    /// columns of <paramref name="y"/>, the projection's (possibly fused) output.
    /// </summary>
    private void LoraForward(in LoraStep lora, int layer, LoraTarget target, float* x, float* y, int n)
    {
        var adapters = lora.Adapters;
        if (adapters.Layout.A(layer, target) < 0) return;
        using var _ = Profiler.Measure("lora forward");
        var site = ProjectionSite.Of(Layout, layer, target);
        int r = adapters.Config.Rank;
        float* input = x;
        if (lora.Training && adapters.Config.Dropout > 0)
        {
            input = lora.Buffers.Dropped.Ptr;
            LoraDropout.Apply(Cpu, x, input, n, site.InDim, DropoutKey(lora, layer, target), adapters.Config.Dropout);
        }
        // hidden = s·input·Aᵀ (kept for the backward pass), then y += hidden·Bᵀ.
        float* a = adapters.A(layer, target), aT = lora.Buffers.RankScratch.Ptr;
        for (int j = 0; j < r; j++)
            for (int i = 0; i < site.InDim; i++) aT[(long)i * r + j] = a[(long)j * site.InDim + i];
        float* hidden = lora.Buffers.Hidden(lora.Training ? layer : 0, target);
        LowRank.Project(Cpu, input, site.InDim, n, site.InDim, aT, r, hidden);
        Vectorized.Scale(Cpu.Simd, hidden, adapters.Config.Scale, n * r);
        Gemm.Multiply(Cpu, n, site.OutDim, r, hidden, r, false, adapters.B(layer, target), r, true,
            y + site.Column, site.OutputStride, accumulate: true);
    }

    /// <summary>
    /// Backpropagates the adapter of <paramref name="target"/> (if targeted), given the gradient of the
    /// projection's (fused) output <paramref name="dy"/>: adds dA and dB to <paramref name="grads"/> (the
    /// adapters' layout) and the LoRA path's share of the input gradient to <paramref name="dx"/>.
    /// </summary>
    private void LoraBackward(in LoraStep lora, int layer, LoraTarget target, float* x, float* dy, float* dx, int n, float* grads)
    {
        var adapters = lora.Adapters;
        long aOffset = adapters.Layout.A(layer, target);
        if (aOffset < 0) return;
        using var _ = Profiler.Measure("lora backward");
        var site = ProjectionSite.Of(Layout, layer, target);
        int r = adapters.Config.Rank;
        float* hidden = lora.Buffers.Hidden(layer, target), dHidden = lora.Buffers.DHidden.Ptr;
        float* dOut = dy + site.Column;

        // y = hidden·Bᵀ: dB += dyᵀ·hidden, dhidden = dy·B; hidden = s·input·Aᵀ, so d(input·Aᵀ) = s·dhidden.
        LowRank.AccumulateGradient(Cpu, dOut, site.OutputStride, n, site.OutDim, hidden, r, grads + adapters.Layout.B(layer, target));
        LowRank.Project(Cpu, dOut, site.OutputStride, n, site.OutDim, adapters.B(layer, target), r, dHidden);
        Vectorized.Scale(Cpu.Simd, dHidden, adapters.Config.Scale, n * r);

        bool dropout = adapters.Config.Dropout > 0;
        ulong key = dropout ? DropoutKey(lora, layer, target) : 0;
        float* input = x;
        if (dropout)
        {
            input = lora.Buffers.Dropped.Ptr;
            LoraDropout.Apply(Cpu, x, input, n, site.InDim, key, adapters.Config.Dropout);
        }
        // dA += dhiddenᵀ·input, summed as dAᵀ = inputᵀ·dhidden (the low-rank kernel's form), then transposed in.
        float* dAT = lora.Buffers.RankScratch.Ptr, dA = grads + aOffset;
        new Span<float>(dAT, site.InDim * r).Clear();
        LowRank.AccumulateGradient(Cpu, input, site.InDim, n, site.InDim, dHidden, r, dAT);
        for (int j = 0; j < r; j++)
            for (int i = 0; i < site.InDim; i++) dA[(long)j * site.InDim + i] += dAT[(long)i * r + j];
        if (dropout)
        {
            float* dInput = lora.Buffers.DInput.Ptr;
            Gemm.Multiply(Cpu, n, site.InDim, r, dHidden, r, false, adapters.A(layer, target), site.InDim, false, dInput, site.InDim, false);
            LoraDropout.AccumulateMasked(Cpu, dInput, dx, n, site.InDim, key, adapters.Config.Dropout);
        }
        else
            Gemm.Multiply(Cpu, n, site.InDim, r, dHidden, r, false, adapters.A(layer, target), site.InDim, false, dx, site.InDim, accumulate: true);
    }
}
