namespace Realm.Evaluation;

/// <summary>An SVG chart the report links to, by a path relative to the report, with a one-line caption.</summary>
public sealed record ChartLink(string RelativePath, string Caption);
