using System.Runtime.Intrinsics;
using Realm.Engine.Compute;

namespace Realm.Engine.Lora;

/// <summary>
/// Inverted dropout on an adapter's input (x ⊙ mask / (1 − p), as torch.nn.Dropout in training) whose mask
/// is a pure function of (key, row, column): the backward pass regenerates it instead of storing a mask
/// per layer and projection. The key mixes the seed, the training pass, the layer and the projection, so
/// every adapter draws its own mask, as PEFT's separate dropout modules do. The mask is integer hashing,
/// so the vectorised and scalar paths give identical results.
/// </summary>
internal static unsafe class LoraDropout
{
    public static ulong Key(ulong seed, long pass, int layer, LoraTarget target) =>
        Mix64(Mix64(Mix64(seed) ^ (ulong)pass) ^ ((ulong)layer << 8 | (ulong)target));

    /// <summary>dst = x ⊙ mask / (1 − p), rows × cols with row stride cols.</summary>
    public static void Apply(Cpu cpu, float* x, float* dst, int rows, int cols, ulong key, double p)
    {
        using var _ = Profiler.Measure("lora dropout");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, cols), new MaskWork(cpu.Simd, x, dst, cols, key, p, accumulate: false));
    }

    /// <summary>dst += src ⊙ mask / (1 − p): the input gradient through the same mask.</summary>
    public static void AccumulateMasked(Cpu cpu, float* src, float* dst, int rows, int cols, ulong key, double p)
    {
        using var _ = Profiler.Measure("lora dropout");
        ParallelRows.For(cpu, rows, ParallelRows.ChunkFor(cpu, rows, cols), new MaskWork(cpu.Simd, src, dst, cols, key, p, accumulate: true));
    }

    // SplitMix64's finaliser, for keys.
    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // MurmurHash3's 32-bit finaliser; two rounds keyed by the two halves of the key give each element's draw.
    private static uint Mix32(uint h)
    {
        h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
        h = (h ^ (h >> 13)) * 0xC2B2AE35u;
        return h ^ (h >> 16);
    }

    private static Vector512<uint> Mix32(Vector512<uint> h)
    {
        h = (h ^ Vector512.ShiftRightLogical(h, 16)) * Vector512.Create(0x85EBCA6Bu);
        h = (h ^ Vector512.ShiftRightLogical(h, 13)) * Vector512.Create(0xC2B2AE35u);
        return h ^ Vector512.ShiftRightLogical(h, 16);
    }

    private static Vector256<uint> Mix32(Vector256<uint> h)
    {
        h = (h ^ Vector256.ShiftRightLogical(h, 16)) * Vector256.Create(0x85EBCA6Bu);
        h = (h ^ Vector256.ShiftRightLogical(h, 13)) * Vector256.Create(0xC2B2AE35u);
        return h ^ Vector256.ShiftRightLogical(h, 16);
    }

    private readonly struct MaskWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _src, _dst;
        private readonly int _cols;
        private readonly uint _k1, _k2;
        private readonly int _threshold;
        private readonly float _keepScale;
        private readonly bool _accumulate;

        public MaskWork(SimdLevel simd, float* src, float* dst, int cols, ulong key, double p, bool accumulate)
        {
            _simd = simd; _src = src; _dst = dst; _cols = cols; _accumulate = accumulate;
            _k1 = (uint)key;
            _k2 = (uint)(key >> 32);
            _threshold = (int)Math.Round(p * (1 << 24)); // an element is dropped when its 24-bit draw is below p·2²⁴
            _keepScale = (float)(1 / (1 - p));
        }

        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                float* s = _src + (long)r * _cols, d = _dst + (long)r * _cols;
                uint first = (uint)((long)r * _cols);
                int c = 0;
                if (_simd == SimdLevel.Vector512)
                    for (; c + 16 <= _cols; c += 16)
                    {
                        var index = Vector512.Create(first + (uint)c) + Vector512<uint>.Indices;
                        var draw = Vector512.ShiftRightLogical(Mix32(Mix32(index ^ Vector512.Create(_k1)) + Vector512.Create(_k2)), 8);
                        var keep = Vector512.GreaterThanOrEqual(draw.AsInt32(), Vector512.Create(_threshold)).AsSingle();
                        var v = Vector512.ConditionalSelect(keep, Vector512.Load(s + c) * _keepScale, Vector512<float>.Zero);
                        (_accumulate ? Vector512.Load(d + c) + v : v).Store(d + c);
                    }
                else if (_simd == SimdLevel.Vector256)
                    for (; c + 8 <= _cols; c += 8)
                    {
                        var index = Vector256.Create(first + (uint)c) + Vector256<uint>.Indices;
                        var draw = Vector256.ShiftRightLogical(Mix32(Mix32(index ^ Vector256.Create(_k1)) + Vector256.Create(_k2)), 8);
                        var keep = Vector256.GreaterThanOrEqual(draw.AsInt32(), Vector256.Create(_threshold)).AsSingle();
                        var v = Vector256.ConditionalSelect(keep, Vector256.Load(s + c) * _keepScale, Vector256<float>.Zero);
                        (_accumulate ? Vector256.Load(d + c) + v : v).Store(d + c);
                    }
                for (; c < _cols; c++)
                {
                    bool keep = (int)(Mix32(Mix32((first + (uint)c) ^ _k1) + _k2) >> 8) >= _threshold;
                    float v = keep ? s[c] * _keepScale : 0f;
                    d[c] = _accumulate ? d[c] + v : v;
                }
            }
        }
    }
}
