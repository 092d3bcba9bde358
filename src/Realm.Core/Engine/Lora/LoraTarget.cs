namespace Realm.Engine.Lora;

/// <summary>The projections of a decoder layer a LoRA adapter can target, in Hugging Face order.</summary>
public enum LoraTarget { QProj, KProj, VProj, OProj, GateProj, UpProj, DownProj }

/// <summary>Hugging Face names of <see cref="LoraTarget"/> (PEFT's <c>target_modules</c>).</summary>
public static class LoraTargets
{
    public static readonly IReadOnlyList<LoraTarget> All = Enum.GetValues<LoraTarget>();

    private static readonly string[] Names = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public static string NameList => string.Join(", ", Names);

    /// <summary>The module name, e.g. <c>q_proj</c>.</summary>
    public static string Name(this LoraTarget target) => Names[(int)target];

    /// <summary>The module's path inside a layer, e.g. <c>self_attn.q_proj</c> or <c>mlp.down_proj</c>.</summary>
    public static string ModulePath(this LoraTarget target) =>
        (target <= LoraTarget.OProj ? "self_attn." : "mlp.") + target.Name();

    public static bool TryParse(string name, out LoraTarget target)
    {
        int index = Array.IndexOf(Names, name);
        target = (LoraTarget)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>
    /// Parses a comma-separated list of module names (or <c>all-linear</c>, PEFT's shorthand for every
    /// projection but the output head). <paramref name="source"/> names the option or file in errors.
    /// </summary>
    public static LoraTarget[] ParseList(string text, string source)
    {
        if (text.Trim() == "all-linear") return All.ToArray();
        var targets = new List<LoraTarget>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            targets.Add(TryParse(name, out var t) ? t
                : throw new RealmException($"{source}: unknown LoRA target module '{name}' (supported: {NameList}, or all-linear)"));
        return targets.ToArray();
    }
}
