using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Engine.Model;

/// <summary>
/// Keys and values of past positions for a fixed number of sequence slots, per layer and KV head. Keys
/// are stored transposed (headDim × capacity) so a new query's scores against all past keys are one
/// vectorised sweep; values are row-major (capacity × headDim).
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private readonly NativeBuffer _keys, _values;
    private readonly long _headBlock;

    public int Layers { get; }
    public int Slots { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    /// <summary>Positions per slot (a multiple of 32).</summary>
    public int Capacity { get; }
    /// <summary>Positions filled in each slot.</summary>
    public int[] Lengths { get; }

    public KvCache(LlamaConfig config, int slots, int capacity)
    {
        Layers = config.NumHiddenLayers;
        Slots = slots;
        KvHeads = config.NumKeyValueHeads;
        HeadDim = config.HeadDim;
        Capacity = AttentionBlocks.RoundUp(Math.Max(1, capacity), 32);
        Lengths = new int[slots];
        _headBlock = (long)HeadDim * Capacity;
        long total = (long)Layers * slots * KvHeads * _headBlock;
        _keys = new NativeBuffer(total);
        _values = new NativeBuffer(total);
    }

    public long Bytes => 2 * _keys.Length * sizeof(float);

    internal float* KeysT(int layer, int slot, int kvHead) => _keys.Ptr + Offset(layer, slot, kvHead);
    internal float* Values(int layer, int slot, int kvHead) => _values.Ptr + Offset(layer, slot, kvHead);

    private long Offset(int layer, int slot, int kvHead) => (((long)layer * Slots + slot) * KvHeads + kvHead) * _headBlock;

    public void Reset() => Array.Clear(Lengths);

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }

    /// <summary>
    /// Writes the keys and values of new rows into layer <paramref name="layer"/>: rows
    /// [starts[s], starts[s]+counts[s]) go to slot slots[s] from position Lengths[slot] on.
    /// </summary>
    internal void Append(Cpu cpu, int layer, float* k, float* v, int stride, int[] slots, int[] starts, int[] counts)
    {
        using var _ = Profiler.Measure("kv-cache append");
        int rows = 0;
        foreach (int c in counts) rows += c;
        fixed (int* ps = slots, pst = starts, pc = counts)
        {
            var work = new AppendWork(this, layer, k, v, stride, ps, pst, pc);
            if ((long)rows * KvHeads * HeadDim < ParallelRows.MinElementsPerChunk)
                for (int i = 0; i < slots.Length * KvHeads; i++) work.Run(i); // a decoding step: not worth a hand-off
            else cpu.Pool.For(slots.Length * KvHeads, work);
        }
    }

    private readonly struct AppendWork : IParallelWork
    {
        private readonly KvCache _cache;
        private readonly int _layer, _stride;
        private readonly float* _k, _v;
        private readonly int* _slots, _starts, _counts;

        public AppendWork(KvCache cache, int layer, float* k, float* v, int stride, int* slots, int* starts, int* counts)
        { _cache = cache; _layer = layer; _k = k; _v = v; _stride = stride; _slots = slots; _starts = starts; _counts = counts; }

        public void Run(int index)
        {
            int s = index / _cache.KvHeads, g = index % _cache.KvHeads, hd = _cache.HeadDim, cap = _cache.Capacity;
            int slot = _slots[s], past = _cache.Lengths[slot];
            float* kt = _cache.KeysT(_layer, slot, g), values = _cache.Values(_layer, slot, g);
            for (int i = 0; i < _counts[s]; i++)
            {
                long row = (long)(_starts[s] + i) * _stride + g * hd;
                int pos = past + i;
                for (int d = 0; d < hd; d++) kt[(long)d * cap + pos] = _k[row + d];
                Buffer.MemoryCopy(_v + row, values + (long)pos * hd, hd * 4L, hd * 4L);
            }
        }
    }
}
