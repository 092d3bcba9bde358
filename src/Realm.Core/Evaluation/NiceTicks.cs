namespace Realm.Evaluation;

/// <summary>
/// Axis ticks at round numbers: steps of 1, 2 or 5 times a power of ten ("nice numbers", Heckbert,
/// Graphics Gems 1990), so a reader never has to interpolate between labels like 0.137 and 0.274.
/// </summary>
internal readonly record struct NiceTicks(double Min, double Max, double Step, int Decimals)
{
    /// <summary>
    /// About <paramref name="targetCount"/> ticks covering [lo, hi]; the axis ends are the nearest tick
    /// at or beyond each end, unless <paramref name="fixedMin"/> or <paramref name="fixedMax"/> pins them.
    /// </summary>
    public static NiceTicks For(double lo, double hi, int targetCount = 6, double? fixedMin = null, double? fixedMax = null)
    {
        if (!(hi > lo)) throw new ArgumentException($"need lo < hi, got [{lo}, {hi}]");
        double step = NiceNumber(NiceNumber(hi - lo, round: false) / (targetCount - 1), round: true);
        // The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick below 0.3.
        double min = fixedMin ?? Math.Floor(lo / step + 1e-9) * step;
        double max = fixedMax ?? Math.Ceiling(hi / step - 1e-9) * step;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return new NiceTicks(min, max, step, decimals);
    }

    /// <summary>The tick values inside [Min, Max], rounded to the step's precision to shed floating-point noise.</summary>
    public IReadOnlyList<double> Values()
    {
        var values = new List<double>();
        double tolerance = Step * 1e-9;
        for (long i = (long)Math.Ceiling(Min / Step - 1e-9); i * Step <= Max + tolerance; i++)
            values.Add(Math.Round(i * Step, Math.Min(15, Decimals)));
        return values;
    }

    /// <summary>A tick value written with just the digits the step needs.</summary>
    public string Label(double value) => value.ToString("F" + Decimals, System.Globalization.CultureInfo.InvariantCulture);

    // The smallest 1, 2, 5 or 10 times a power of ten that is >= x, or nearest to x when rounding.
    private static double NiceNumber(double x, bool round)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(x)));
        double fraction = x / power;
        double nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }
}
