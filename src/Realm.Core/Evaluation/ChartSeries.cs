namespace Realm.Evaluation;

/// <summary>One named line of a chart. Points with a NaN or infinite coordinate are gaps, not zeros.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
