using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// A linear layer y = x·Wᵀ with W stored [out, in] as in PyTorch, and its two gradients, each one GEMM.
/// Row strides default to the tensor widths.
/// </summary>
public static unsafe class Linear
{
    /// <summary>y (+)= x·Wᵀ: x is rows×in, W is out×in, y is rows×out.</summary>
    public static void Forward(Cpu cpu, float* x, int rows, int inDim, float* w, int outDim, float* y, bool accumulate = false) =>
        Gemm.Multiply(cpu, rows, outDim, inDim, x, inDim, false, w, inDim, true, y, outDim, accumulate);

    /// <summary>dx (+)= dy·W.</summary>
    public static void BackwardInput(Cpu cpu, float* dy, int rows, int outDim, float* w, int inDim, float* dx, bool accumulate = false) =>
        Gemm.Multiply(cpu, rows, inDim, outDim, dy, outDim, false, w, inDim, false, dx, inDim, accumulate);

    /// <summary>dW += dyᵀ·x.</summary>
    public static void BackwardWeight(Cpu cpu, float* dy, int rows, int outDim, float* x, int inDim, float* dw) =>
        Gemm.Multiply(cpu, outDim, inDim, rows, dy, outDim, true, x, inDim, false, dw, inDim, accumulate: true);
}
