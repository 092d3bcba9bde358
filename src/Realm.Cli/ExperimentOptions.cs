using Realm.Method.Pipelines;

namespace Realm.Cli;

/// <summary>Command-line adjustments shared by `realm demo` and `realm experiment`: --methods (names of <see cref="Methods"/>, any case) and --budget.</summary>
internal static class ExperimentOptions
{
    public static ExperimentConfig Apply(ExperimentConfig config, string? methods, int? budget)
    {
        if (methods != null)
            config = config with { OnlyMethods = methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        if (budget is int b)
        {
            if (b < 1) throw new RealmException($"--budget must be at least 1, got {b}");
            config = config with { MethodSequences = b };
        }
        Methods.Selected(config); // an unknown method name fails here, before any work
        return config;
    }
}
