using Realm.Engine.Model;

namespace Realm.Engine.Lora;

/// <summary>
/// Where every adapter matrix sits in the adapters' flat buffer (offsets in floats), named as PEFT saves
/// them: layer by layer, targets in layer order, A [r, in] then B [out, r]. Gradients and AdamW moments
/// share the layout, as the model's do with <see cref="ParameterLayout"/>.
/// </summary>
public sealed class LoraLayout
{
    private const string Prefix = "base_model.model.model.layers.";

    private readonly List<ParameterInfo> _parameters = new();
    private readonly long[,] _a, _b;

    public LoraConfig Config { get; }
    public ParameterLayout Base { get; }
    public IReadOnlyList<ParameterInfo> Parameters => _parameters;
    public long Total { get; }

    public LoraLayout(ParameterLayout baseLayout, LoraConfig config)
    {
        Base = baseLayout;
        Config = config;
        int layers = baseLayout.Config.NumHiddenLayers, r = config.Rank;
        _a = new long[layers, LoraTargets.All.Count];
        _b = new long[layers, LoraTargets.All.Count];
        long at = 0;
        for (int l = 0; l < layers; l++)
            foreach (var t in LoraTargets.All)
            {
                _a[l, (int)t] = _b[l, (int)t] = -1;
                if (!config.IsTargeted(t)) continue;
                var site = ProjectionSite.Of(baseLayout, l, t);
                _a[l, (int)t] = Add(TensorName(l, t, 'A'), r, site.InDim);
                _b[l, (int)t] = Add(TensorName(l, t, 'B'), site.OutDim, r);
            }
        Total = at;

        long Add(string name, int rows, int cols)
        {
            _parameters.Add(new ParameterInfo(name, [rows, cols], at, (long)rows * cols));
            long offset = at;
            at += (long)rows * cols;
            return offset;
        }
    }

    /// <summary>Offset of A [r, in] for a targeted projection, −1 when it is not targeted.</summary>
    public long A(int layer, LoraTarget target) => _a[layer, (int)target];

    /// <summary>Offset of B [out, r] for a targeted projection, −1 when it is not targeted.</summary>
    public long B(int layer, LoraTarget target) => _b[layer, (int)target];

    /// <summary>PEFT's tensor name, e.g. <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>.</summary>
    public static string TensorName(int layer, LoraTarget target, char matrix) =>
        $"{Prefix}{layer}.{target.ModulePath()}.lora_{matrix}.weight";

    /// <summary>The layer index a PEFT tensor name refers to, or null when it is not a layer tensor.</summary>
    public static int? LayerOf(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        int end = name.IndexOf('.', Prefix.Length);
        return end > Prefix.Length && int.TryParse(name.AsSpan(Prefix.Length, end - Prefix.Length), out int layer) ? layer : null;
    }
}
