namespace Realm.Method;

public enum FadeShape { Linear, Cosine, Exponential, Step }

/// <summary>
/// EAAI — Enabling Autonomy via Asymptotic Induction (docs/method.md, "EAAI"): the strength α of the external
/// signal over RL progress s ∈ [0, 1]. α falls from 1 to 0 at <see cref="End"/> along <see cref="Shape"/>
/// and stays 0 after it, so the model ends training answering on its own. α sets, per prompt, the
/// probability that routes are shown, how many (max(1, round(α·Kmax))) and, with truncation, how much of
/// each route (the first ⌈α·steps⌉ steps).
/// </summary>
public sealed record EaaiSchedule
{
    public FadeShape Shape { get; init; } = FadeShape.Linear;
    /// <summary>Progress at which α reaches 0 (default 0.8).</summary>
    public double End { get; init; } = 0.8;
    /// <summary>Exponential shape: α = (e^(−r·x) − e^(−r)) / (1 − e^(−r)) with x = s/End.</summary>
    public double ExponentialRate { get; init; } = 4.0;
    /// <summary>Step shape: α drops in this many equal steps (1 = "cut at once" at End).</summary>
    public int Steps { get; init; } = 4;
    /// <summary>Show only the first ⌈α·steps⌉ steps of each route (the hint itself shrinks).</summary>
    public bool TruncateRoutes { get; init; }
    /// <summary>Ablation "routes always on": α stays 1 for the whole run.</summary>
    public bool Disabled { get; init; }

    public static EaaiSchedule AlwaysOn => new() { Disabled = true };
    /// <summary>Ablation "routes cut at once": full routes until End, none after.</summary>
    public static EaaiSchedule CutAtOnce(double end = 0.8) => new() { Shape = FadeShape.Step, Steps = 1, End = end };

    public double Alpha(double progress)
    {
        if (Disabled) return 1.0;
        double s = Math.Clamp(progress, 0, 1);
        if (End <= 0 || s >= End) return 0.0;
        double x = s / End;
        return Shape switch
        {
            FadeShape.Linear => 1 - x,
            FadeShape.Cosine => 0.5 * (1 + Math.Cos(Math.PI * x)),
            FadeShape.Exponential => (Math.Exp(-ExponentialRate * x) - Math.Exp(-ExponentialRate)) / (1 - Math.Exp(-ExponentialRate)),
            FadeShape.Step => 1 - Math.Floor(x * Math.Max(1, Steps)) / Math.Max(1, Steps),
            _ => throw new ArgumentOutOfRangeException(nameof(Shape)),
        };
    }

    /// <summary>Routes shown for a prompt at strength α: max(1, round(α·Kmax)) (0 only if Kmax is 0).</summary>
    public static int RouteCount(double alpha, int maxRoutes) =>
        maxRoutes <= 0 ? 0 : Math.Max(1, (int)Math.Round(alpha * maxRoutes, MidpointRounding.AwayFromZero));

    /// <summary>Steps of a route shown at strength α: ⌈α·steps⌉.</summary>
    public static int VisibleSteps(double alpha, int steps) => (int)Math.Ceiling(alpha * steps - 1e-9);

    public static FadeShape ParseShape(string value) => value.ToLowerInvariant() switch
    {
        "linear" => FadeShape.Linear,
        "cosine" => FadeShape.Cosine,
        "exponential" or "exp" => FadeShape.Exponential,
        "step" => FadeShape.Step,
        _ => throw new RealmException($"unknown EAAI schedule '{value}' (use linear, cosine, exponential or step)"),
    };
}
