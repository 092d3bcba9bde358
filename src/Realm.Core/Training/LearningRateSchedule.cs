namespace Realm.Training;

public enum DecayShape { Cosine, Linear, Constant }

/// <summary>Linear warm-up from 0 to the peak rate, then decay to MinRatio·peak at TotalSteps.</summary>
public sealed record LearningRateSchedule(float Peak, int WarmupSteps, int TotalSteps, DecayShape Decay = DecayShape.Cosine,
    float MinRatio = 0.1f)
{
    /// <summary>The rate for update number <paramref name="step"/> (0-based).</summary>
    public float At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        if (Decay == DecayShape.Constant || TotalSteps <= WarmupSteps) return Peak;
        double progress = Math.Clamp((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), 0, 1);
        double factor = Decay == DecayShape.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return (float)(Peak * (MinRatio + (1 - MinRatio) * factor));
    }

    public static DecayShape ParseDecay(string value) => value.ToLowerInvariant() switch
    {
        "cosine" => DecayShape.Cosine,
        "linear" => DecayShape.Linear,
        "constant" => DecayShape.Constant,
        _ => throw new RealmException($"unknown learning-rate decay '{value}' (use cosine, linear or constant)"),
    };
}
