using Realm.Engine.Model;

namespace Realm.Engine.Lora;

/// <summary>
/// Where one projection of one layer sits in the base model: its weight [OutDim, InDim] in the flat
/// buffer, and its columns in the output it writes. q, k and v share one fused [n, q+2kv] output, gate
/// and up one [n, 2F] output, so an adapter on one of them adds to a column slice of the fused rows.
/// </summary>
internal readonly record struct ProjectionSite(int InDim, int OutDim, long Weight, int Column, int OutputStride)
{
    public static ProjectionSite Of(ParameterLayout layout, int layer, LoraTarget target)
    {
        var c = layout.Config;
        var o = layout.Layers[layer];
        int d = c.HiddenSize, f = c.IntermediateSize, q = layout.Attention.QueryWidth, kv = layout.Attention.KvWidth;
        int qkv = layout.QkvWidth;
        return target switch
        {
            LoraTarget.QProj => new(d, q, o.Qkv, 0, qkv),
            LoraTarget.KProj => new(d, kv, o.Qkv + (long)q * d, q, qkv),
            LoraTarget.VProj => new(d, kv, o.Qkv + (long)(q + kv) * d, q + kv, qkv),
            LoraTarget.OProj => new(q, d, o.O, 0, d),
            LoraTarget.GateProj => new(d, f, o.GateUp, 0, 2 * f),
            LoraTarget.UpProj => new(d, f, o.GateUp + (long)f * d, f, 2 * f),
            LoraTarget.DownProj => new(f, d, o.Down, 0, d),
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };
    }
}
