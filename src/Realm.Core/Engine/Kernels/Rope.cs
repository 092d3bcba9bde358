using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Rotary position embedding with Hugging Face's rotate_half convention: within each head, element i
/// pairs with element i + hd/2, rotated by pos·θ^(−2i/hd). Angles are computed in double precision once.
/// </summary>
public sealed unsafe class RopeTable : IDisposable
{
    private readonly NativeBuffer _cos, _sin;

    public int HeadDim { get; }
    public int MaxPositions { get; }
    public double Theta { get; }

    public RopeTable(int headDim, int maxPositions, double theta)
    {
        if (headDim % 2 != 0) throw new RealmException($"head dimension {headDim} must be even for rotary embeddings");
        HeadDim = headDim;
        MaxPositions = maxPositions;
        Theta = theta;
        int half = headDim / 2;
        _cos = new NativeBuffer((long)maxPositions * half, zero: false);
        _sin = new NativeBuffer((long)maxPositions * half, zero: false);
        for (int p = 0; p < maxPositions; p++)
            for (int i = 0; i < half; i++)
            {
                double angle = p * Math.Pow(theta, -2.0 * i / headDim);
                _cos.Ptr[(long)p * half + i] = (float)Math.Cos(angle);
                _sin.Ptr[(long)p * half + i] = (float)Math.Sin(angle);
            }
    }

    internal float* Cos(int position) => _cos.Ptr + (long)position * (HeadDim / 2);
    internal float* Sin(int position) => _sin.Ptr + (long)position * (HeadDim / 2);

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}

public static unsafe class Rope
{
    /// <summary>
    /// Rotates, in place, <paramref name="heads"/> heads of each row: row r starts at x + r·rowStride and
    /// sits at position positions[r]. <paramref name="inverse"/> applies the transpose rotation, which is
    /// the backward pass.
    /// </summary>
    public static void Apply(Cpu cpu, RopeTable table, float* x, int rows, int rowStride, int heads, int* positions,
        bool inverse = false)
    {
        using var _ = Profiler.Measure("rope");
        for (int r = 0; r < rows; r++)
            if ((uint)positions[r] >= (uint)table.MaxPositions)
                throw new RealmException($"position {positions[r]} is beyond the model's {table.MaxPositions} positions (max_position_embeddings)");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, heads * table.HeadDim),
            new Work(cpu.Simd, table, x, rowStride, heads, positions, inverse ? -1f : 1f));
    }

    private readonly struct Work : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly RopeTable _table;
        private readonly float* _x;
        private readonly int* _positions;
        private readonly int _rowStride, _heads;
        private readonly float _sinSign;

        public Work(SimdLevel simd, RopeTable table, float* x, int rowStride, int heads, int* positions, float sinSign)
        { _simd = simd; _table = table; _x = x; _rowStride = rowStride; _heads = heads; _positions = positions; _sinSign = sinSign; }

        public void Rows(int start, int end)
        {
            int hd = _table.HeadDim;
            for (int r = start; r < end; r++)
            {
                float* cos = _table.Cos(_positions[r]), sin = _table.Sin(_positions[r]);
                for (int h = 0; h < _heads; h++)
                {
                    float* v = _x + (long)r * _rowStride + h * hd;
                    switch (_simd)
                    {
                        case SimdLevel.Vector512: Rotate<V512>(v, cos, sin, _sinSign, hd / 2); break;
                        case SimdLevel.Vector256: Rotate<V256>(v, cos, sin, _sinSign, hd / 2); break;
                        default: Rotate<V1>(v, cos, sin, _sinSign, hd / 2); break;
                    }
                }
            }
        }

        // (a, b) -> (a·cos − b·sin, b·cos + a·sin), with sin negated for the inverse rotation.
        private static void Rotate<T>(float* v, float* cos, float* sin, float sinSign, int half) where T : struct, IVec<T>
        {
            int main = half - half % T.Count;
            var sign = T.Splat(sinSign);
            for (int i = 0; i < main; i += T.Count)
            {
                var a = T.Load(v + i);
                var b = T.Load(v + half + i);
                var c = T.Load(cos + i);
                var s = T.Load(sin + i) * sign;
                T.Store(a * c - b * s, v + i);
                T.Store(T.Fma(a, s, b * c), v + half + i);
            }
            for (int i = main; i < half; i++)
            {
                float a = v[i], b = v[half + i], c = cos[i], s = sin[i] * sinSign;
                v[i] = a * c - b * s;
                v[half + i] = b * c + a * s;
            }
        }
    }
}
