namespace Realm.Engine.Kernels;

/// <summary>Heads of a grouped-query attention layer: every KV head serves Heads/KvHeads consecutive query heads.</summary>
public readonly record struct AttentionShape(int Heads, int KvHeads, int HeadDim)
{
    public int Group => Heads / KvHeads;
    public float Scale => 1f / MathF.Sqrt(HeadDim);
    public int QueryWidth => Heads * HeadDim;
    public int KvWidth => KvHeads * HeadDim;
}
