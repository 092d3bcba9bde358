using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>Forward and backward passes over a packed batch.</summary>
public sealed unsafe partial class LlamaModel
{
    /// <summary>
    /// Runs the model over <paramref name="batch"/> and writes, per row, the log-probability of its target
    /// (0 where the target is −1) and, if asked, the entropy of the predicted distribution and the raw
    /// logits (rows × vocab). With training activations it keeps what <see cref="Backward"/> needs, and
    /// attached adapters apply their dropout (a training pass); otherwise dropout is off. With a
    /// <paramref name="temperature"/> other than 1 everything is of softmax(logits / T), the distribution a
    /// sampler at that temperature draws from (RL's ratios and KL must use it), and the backward pass
    /// differentiates that distribution; the logits written out are the divided ones.
    /// </summary>
    public void Forward(TokenBatch batch, Activations acts, Span<float> logprobs, Span<float> entropies = default,
        Span<float> logits = default, float temperature = 1f)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be positive");
        acts.LogitTemperature = temperature;
        using var _ = Profiler.Measure("total: forward");
        int n = batch.Count, d = Config.HiddenSize;
        CheckBatch(batch, acts);
        if (logprobs.Length != n) throw new ArgumentException($"logprobs has {logprobs.Length} slots for {n} rows");
        if (!entropies.IsEmpty && entropies.Length != n) throw new ArgumentException("entropies length");
        if (!logits.IsEmpty && logits.Length != (long)n * Config.VocabSize) throw new ArgumentException("logits length");

        var lora = BeginLoraForward(acts);
        fixed (int* tokens = batch.Tokens, targets = batch.Targets, positions = batch.Positions)
        {
            float* x = acts.ForTraining ? acts.Layers[0].Input.Ptr : acts.Final.Ptr;
            Embedding.Forward(Cpu, W(Layout.Embed), tokens, x, n, d);
            for (int l = 0; l < Config.NumHiddenLayers; l++)
            {
                if (acts.ForTraining)
                {
                    var a = acts.Layers[l];
                    float* output = l + 1 < Config.NumHiddenLayers ? acts.Layers[l + 1].Input.Ptr : acts.Final.Ptr;
                    LayerForward(l, a, a.Input.Ptr, a.Mid.Ptr, output, n, positions, batch.Starts, batch.Lengths, null, lora);
                }
                else
                {
                    float* stream = acts.Final.Ptr; // no backward: update the residual stream in place
                    LayerForward(l, acts.Layers[0], stream, stream, stream, n, positions, batch.Starts, batch.Lengths, null, lora);
                }
            }
            RmsNorm.Forward(Cpu, acts.Final.Ptr, W(Layout.FinalNorm), acts.FinalNormed.Ptr, acts.FinalRstd.Ptr, n, d, (float)Config.RmsNormEps);

            fixed (float* lp = logprobs, ent = entropies, lg = logits)
                for (int r0 = 0; r0 < n; r0 += acts.LogitRows)
                {
                    int rows = Math.Min(acts.LogitRows, n - r0);
                    ComputeLogits(acts, r0, rows);
                    LogSoftmax.Forward(Cpu, acts.Logits.Ptr, rows, Config.VocabSize, targets + r0, lp + r0,
                        ent == null ? null : ent + r0, acts.LogitLse.Ptr + r0);
                    if (lg != null)
                        Buffer.MemoryCopy(acts.Logits.Ptr, lg + (long)r0 * Config.VocabSize,
                            (long)rows * Config.VocabSize * 4, (long)rows * Config.VocabSize * 4);
                }
        }
    }

    /// <summary>
    /// Adds ∂(Σ_i coef_i · logprob_i)/∂θ to <paramref name="grads"/> for the batch just run through
    /// <see cref="Forward"/> with these activations, θ being <see cref="Trainable"/>: every weight (grads in
    /// the model's layout), or with adapters attached only the adapters (grads in their layout; the frozen
    /// base gets no gradient, and its weight-gradient GEMMs are skipped). SFT passes −1/count on completion
    /// tokens; policy-gradient losses pass advantage-weighted coefficients.
    /// </summary>
    public void Backward(TokenBatch batch, Activations acts, ReadOnlySpan<float> coef, NativeBuffer grads)
    {
        if (!acts.ForTraining) throw new InvalidOperationException("activations were allocated without training buffers");
        using var _ = Profiler.Measure("total: backward");
        var lora = BeginLoraBackward(acts);
        if (grads.Length != Trainable.Total)
            throw new ArgumentException(lora == null ? "gradient buffer does not match the model" : "gradient buffer does not match the adapters");
        int n = batch.Count, d = Config.HiddenSize, v = Config.VocabSize;
        if (coef.Length != n) throw new ArgumentException($"coef has {coef.Length} values for {n} rows");
        CheckBatch(batch, acts);
        float* g = grads.Ptr;
        float* dRes = acts.DResidual.Ptr, dNormed = acts.DNormed.Ptr;

        fixed (int* tokens = batch.Tokens, targets = batch.Targets, positions = batch.Positions)
        fixed (float* c = coef)
        {
            for (int r0 = 0; r0 < n; r0 += acts.LogitRows)
            {
                int rows = Math.Min(acts.LogitRows, n - r0);
                if (n > acts.LogitRows) ComputeLogits(acts, r0, rows); // the forward pass kept only the last chunk
                float* logits = acts.Logits.Ptr;
                LogSoftmax.Backward(Cpu, logits, acts.LogitLse.Ptr + r0, targets + r0, c + r0, logits, rows, v);
                // ∂/∂z of a function of z/T is 1/T times its gradient with respect to z/T.
                if (acts.LogitTemperature != 1f) Vectorized.Scale(Cpu.Simd, logits, 1f / acts.LogitTemperature, rows * v);
                Linear.BackwardInput(Cpu, logits, rows, v, W(Layout.LmHead), d, dNormed + (long)r0 * d);
                if (lora == null)
                    Linear.BackwardWeight(Cpu, logits, rows, v, acts.FinalNormed.Ptr + (long)r0 * d, d, g + Layout.LmHead);
            }
            new Span<float>(dRes, checked(n * d)).Clear();
            RmsNorm.Backward(Cpu, dNormed, acts.Final.Ptr, W(Layout.FinalNorm), acts.FinalRstd.Ptr, dRes,
                NormGradient(lora, g, Layout.FinalNorm), n, d);

            for (int l = Config.NumHiddenLayers - 1; l >= 0; l--)
                LayerBackward(l, acts, n, positions, g, batch.Starts, batch.Lengths, lora);

            if (lora == null) Embedding.Backward(Cpu, dRes, tokens, g + Layout.Embed, n, d);
        }
    }

    private void CheckBatch(TokenBatch batch, Activations acts)
    {
        if (batch.Count > acts.Capacity)
            throw new ArgumentException($"batch of {batch.Count} rows exceeds the activations' capacity of {acts.Capacity}");
        batch.Validate(Config.VocabSize, Config.MaxPositionEmbeddings);
    }

    /// <summary>Logits of rows r0.. into the activations' logit buffer, divided by the forward pass's temperature (multiplied by 1/T, as the sampler does).</summary>
    private void ComputeLogits(Activations acts, int r0, int rows)
    {
        Linear.Forward(Cpu, acts.FinalNormed.Ptr + (long)r0 * Config.HiddenSize, rows, Config.HiddenSize,
            W(Layout.LmHead), Config.VocabSize, acts.Logits.Ptr);
        if (acts.LogitTemperature != 1f) Vectorized.Scale(Cpu.Simd, acts.Logits.Ptr, 1f / acts.LogitTemperature, rows * Config.VocabSize);
    }

    /// <summary>
    /// One decoder layer: mid = x + Attn(norm(x)); output = mid + MLP(norm(mid)). x, mid and output may be
    /// the same buffer (inference updates the residual stream in place). With <paramref name="cached"/>,
    /// keys and values go to the KV cache, attention reads them from there, and projections use the
    /// pre-packed weights. With <paramref name="lora"/>, the adapters add to their projections' outputs.
    /// </summary>
    private void LayerForward(int l, LayerActivations a, float* x, float* mid, float* output, int n, int* positions,
        int[] starts, int[] lengths, CachedStep? cached, LoraStep? lora)
    {
        var o = Layout.Layers[l];
        var sh = Layout.Attention;
        int d = Config.HiddenSize, f = Config.IntermediateSize, qkvw = Layout.QkvWidth;
        float eps = (float)Config.RmsNormEps;
        var packed = cached?.Weights;
        // Norm gains and biases: the packed copy's when decoding (a BF16 model has no F32 buffer).
        float* V(long offset) => packed != null ? packed.Vector(offset) : W(offset);

        RmsNorm.Forward(Cpu, x, V(o.AttnNorm), a.Normed1.Ptr, a.Rstd1.Ptr, n, d, eps);
        float* qkv = a.Qkv.Ptr;
        if (o.QkvBias >= 0)
            for (int r = 0; r < n; r++) Buffer.MemoryCopy(V(o.QkvBias), qkv + (long)r * qkvw, qkvw * 4L, qkvw * 4L);
        Project(a.Normed1.Ptr, n, d, o.Qkv, packed?.Qkv[l], qkvw, qkv, accumulate: o.QkvBias >= 0);
        if (lora is { } qkvLora)
            foreach (var t in (ReadOnlySpan<LoraTarget>)[LoraTarget.QProj, LoraTarget.KProj, LoraTarget.VProj])
                LoraForward(qkvLora, l, t, a.Normed1.Ptr, qkv, n);
        Rope.Apply(Cpu, Rotary, qkv, n, qkvw, sh.Heads, positions);
        Rope.Apply(Cpu, Rotary, qkv + sh.QueryWidth, n, qkvw, sh.KvHeads, positions);
        if (cached is { } step)
        {
            step.Cache.Append(Cpu, l, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, qkvw, step.Slots, starts, lengths);
            Attention.ForwardCached(Cpu, sh, qkv, qkvw, a.Attn.Ptr, sh.QueryWidth, step.Cache, l, step.Slots, starts, lengths);
        }
        else
            Attention.Forward(Cpu, sh, qkv, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, qkvw,
                a.Attn.Ptr, sh.QueryWidth, a.Lse.Ptr, starts, lengths);
        if (mid != x) Buffer.MemoryCopy(x, mid, (long)n * d * 4, (long)n * d * 4);
        Project(a.Attn.Ptr, n, sh.QueryWidth, o.O, packed?.O[l], d, mid, accumulate: true);
        if (lora is { } oLora) LoraForward(oLora, l, LoraTarget.OProj, a.Attn.Ptr, mid, n);
        if (o.OBias >= 0) for (int r = 0; r < n; r++) Vectorized.Add(Cpu.Simd, V(o.OBias), mid + (long)r * d, d);

        RmsNorm.Forward(Cpu, mid, V(o.MlpNorm), a.Normed2.Ptr, a.Rstd2.Ptr, n, d, eps);
        Project(a.Normed2.Ptr, n, d, o.GateUp, packed?.GateUp[l], 2 * f, a.GateUp.Ptr, accumulate: false);
        if (lora is { } mlpLora)
        {
            LoraForward(mlpLora, l, LoraTarget.GateProj, a.Normed2.Ptr, a.GateUp.Ptr, n);
            LoraForward(mlpLora, l, LoraTarget.UpProj, a.Normed2.Ptr, a.GateUp.Ptr, n);
        }
        SwiGlu.Forward(Cpu, a.GateUp.Ptr, a.Act.Ptr, n, f);
        if (output != mid) Buffer.MemoryCopy(mid, output, (long)n * d * 4, (long)n * d * 4);
        Project(a.Act.Ptr, n, f, o.Down, packed?.Down[l], d, output, accumulate: true);
        if (lora is { } downLora) LoraForward(downLora, l, LoraTarget.DownProj, a.Act.Ptr, output, n);
    }

    /// <summary>y (+)= x·Wᵀ with the weight at <paramref name="weight"/>, or its pre-packed copy when given.</summary>
    private void Project(float* x, int n, int inDim, long weight, PackedMatrix? packed, int outDim, float* y, bool accumulate)
    {
        if (packed != null) Gemm.Multiply(Cpu, n, x, inDim, false, packed, y, outDim, accumulate);
        else Linear.Forward(Cpu, x, n, inDim, W(weight), outDim, y, accumulate);
    }

    /// <summary>
    /// Where an RMSNorm gain gradient goes: its slot in the model's gradients, or, with the base frozen, a
    /// scratch row nothing reads (the kernel computes it together with the input gradient).
    /// </summary>
    private static float* NormGradient(LoraStep? lora, float* g, long offset) =>
        lora is { } s ? s.Buffers.FrozenNormGradient.Ptr : g + offset;

    /// <summary>
    /// Backpropagates one layer: reads and updates the residual-stream gradient in acts.DResidual. With
    /// <paramref name="lora"/> the base weights are frozen: only input gradients flow through them, and the
    /// adapters' gradients go to <paramref name="g"/>.
    /// </summary>
    private void LayerBackward(int l, Activations acts, int n, int* positions, float* g, int[] starts, int[] lengths, LoraStep? lora)
    {
        var a = acts.Layers[l];
        var o = Layout.Layers[l];
        var sh = Layout.Attention;
        int d = Config.HiddenSize, f = Config.IntermediateSize, qkvw = Layout.QkvWidth;
        float* dRes = acts.DResidual.Ptr, dNormed = acts.DNormed.Ptr;

        // MLP: output = mid + act·Wdᵀ, act = swiglu(norm(mid)·Wguᵀ).
        Linear.BackwardInput(Cpu, dRes, n, d, W(o.Down), f, acts.DAct.Ptr);
        if (lora is { } s) LoraBackward(s, l, LoraTarget.DownProj, a.Act.Ptr, dRes, acts.DAct.Ptr, n, g);
        else Linear.BackwardWeight(Cpu, dRes, n, d, a.Act.Ptr, f, g + o.Down);
        SwiGlu.Backward(Cpu, a.GateUp.Ptr, acts.DAct.Ptr, acts.DGateUp.Ptr, n, f);
        Linear.BackwardInput(Cpu, acts.DGateUp.Ptr, n, 2 * f, W(o.GateUp), d, dNormed);
        if (lora is { } m)
        {
            LoraBackward(m, l, LoraTarget.GateProj, a.Normed2.Ptr, acts.DGateUp.Ptr, dNormed, n, g);
            LoraBackward(m, l, LoraTarget.UpProj, a.Normed2.Ptr, acts.DGateUp.Ptr, dNormed, n, g);
        }
        else Linear.BackwardWeight(Cpu, acts.DGateUp.Ptr, n, 2 * f, a.Normed2.Ptr, d, g + o.GateUp);
        RmsNorm.Backward(Cpu, dNormed, a.Mid.Ptr, W(o.MlpNorm), a.Rstd2.Ptr, dRes, NormGradient(lora, g, o.MlpNorm), n, d);

        // Attention: mid = x + attn·Woᵀ, attn = attention(rope(norm(x)·Wqkvᵀ)).
        Linear.BackwardInput(Cpu, dRes, n, d, W(o.O), sh.QueryWidth, acts.DAttn.Ptr);
        if (lora is { } so) LoraBackward(so, l, LoraTarget.OProj, a.Attn.Ptr, dRes, acts.DAttn.Ptr, n, g);
        else
        {
            Linear.BackwardWeight(Cpu, dRes, n, d, a.Attn.Ptr, sh.QueryWidth, g + o.O);
            if (o.OBias >= 0) ColumnSums.Accumulate(Cpu, dRes, n, d, d, g + o.OBias);
        }
        float* qkv = a.Qkv.Ptr, dqkv = acts.DQkv.Ptr;
        Attention.Backward(Cpu, sh, qkv, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, qkvw,
            a.Attn.Ptr, acts.DAttn.Ptr, sh.QueryWidth, a.Lse.Ptr,
            dqkv, dqkv + sh.QueryWidth, dqkv + sh.QueryWidth + sh.KvWidth, qkvw, starts, lengths);
        Rope.Apply(Cpu, Rotary, dqkv, n, qkvw, sh.Heads, positions, inverse: true);
        Rope.Apply(Cpu, Rotary, dqkv + sh.QueryWidth, n, qkvw, sh.KvHeads, positions, inverse: true);
        Linear.BackwardInput(Cpu, dqkv, n, qkvw, W(o.Qkv), d, dNormed);
        if (lora is { } sq)
            foreach (var t in (ReadOnlySpan<LoraTarget>)[LoraTarget.QProj, LoraTarget.KProj, LoraTarget.VProj])
                LoraBackward(sq, l, t, a.Normed1.Ptr, dqkv, dNormed, n, g);
        else
        {
            if (o.QkvBias >= 0) ColumnSums.Accumulate(Cpu, dqkv, n, qkvw, qkvw, g + o.QkvBias);
            Linear.BackwardWeight(Cpu, dqkv, n, qkvw, a.Normed1.Ptr, d, g + o.Qkv);
        }
        RmsNorm.Backward(Cpu, dNormed, a.Input.Ptr, W(o.AttnNorm), a.Rstd1.Ptr, dRes, NormGradient(lora, g, o.AttnNorm), n, d);
    }
}
