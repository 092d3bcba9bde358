using System.Globalization;
using System.Xml.Linq;
using Realm.Engine.IO;

namespace Realm.Evaluation;

/// <summary>
/// A standalone SVG line chart with no dependencies: title, axis labels, round-number ticks, a legend
/// and one colour per series. Used for training curves (reward, eval accuracy by step) and the EAAI
/// schedule α(s). A missing point (NaN) breaks its line; a point with no neighbour is drawn as a dot.
/// </summary>
public sealed class SvgChart
{
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Tableau 10: distinct hues that stay tellable apart in print and for most colour-blind readers.
    private static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
    // Past ten series, colours repeat with a different dash so lines still differ.
    private static readonly string[] Dashes = ["", "6 3", "2 3", "8 3 2 3"];

    private const double FontSize = 12;
    private const double CharWidth = 0.6 * FontSize; // a fair average for sans-serif, used to size the legend
    private const double MarginLeft = 70, MarginTop = 40, MarginBottom = 55, LegendGap = 20, ClipMargin = 3;

    private readonly List<ChartSeries> _series = new();

    public required string Title { get; init; }
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    /// <summary>Pins the bottom of the y axis (e.g. 0 for accuracies); by default it follows the data.</summary>
    public double? YMin { get; init; }
    /// <summary>Pins the top of the y axis (e.g. 1 for accuracies); by default it follows the data.</summary>
    public double? YMax { get; init; }
    public int Width { get; init; } = 720;
    public int Height { get; init; } = 420;

    public IReadOnlyList<ChartSeries> Series => _series;

    public SvgChart Add(string name, IEnumerable<(double X, double Y)> points)
    {
        _series.Add(new ChartSeries(name, points.ToList()));
        return this;
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToSvg());

    public string ToSvg()
    {
        if (YMin is double lo && YMax is double hi && !(hi > lo))
            throw new InvalidOperationException($"chart \"{Title}\": YMin {lo} must be below YMax {hi}");

        var finite = _series.SelectMany(s => s.Points).Where(IsFinite).ToList();
        var xTicks = AxisTicks(finite.Select(p => p.X), null, null);
        var yTicks = AxisTicks(finite.Select(p => p.Y), YMin, YMax);

        double legendWidth = _series.Count == 0 ? 0 : 30 + CharWidth * _series.Max(s => s.Name.Length);
        var plot = new PlotArea(MarginLeft, MarginTop,
            Math.Max(50, Width - MarginLeft - LegendGap - legendWidth - LegendGap), Math.Max(50, Height - MarginTop - MarginBottom),
            xTicks, yTicks);

        var svg = new XElement(Svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", Height),
            new XAttribute("viewBox", $"0 0 {Width} {Height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", Num(FontSize)),
            new XElement(Svg + "title", Title),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(Width / 2.0, MarginTop / 2 + 5, Title, "middle", new XAttribute("font-size", Num(FontSize + 3)), new XAttribute("font-weight", "bold")),
            // The clip reaches a little past the axes so a line running along a pinned limit is not cut in half.
            new XElement(Svg + "defs", new XElement(Svg + "clipPath", new XAttribute("id", "plot-area"),
                new XElement(Svg + "rect", new XAttribute("x", Num(plot.Left - ClipMargin)), new XAttribute("y", Num(plot.Top - ClipMargin)),
                    new XAttribute("width", Num(plot.Width + 2 * ClipMargin)), new XAttribute("height", Num(plot.Height + 2 * ClipMargin))))),
            Axes(plot),
            SeriesLines(plot),
            Legend(plot.Left + plot.Width + LegendGap, plot.Top));
        if (finite.Count == 0)
            svg.Add(Text(plot.Left + plot.Width / 2, plot.Top + plot.Height / 2, "no data", "middle", new XAttribute("fill", "#888")));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), svg).Declaration + "\n" + svg + "\n";
    }

    private XElement Axes(PlotArea plot)
    {
        var axes = new XElement(Svg + "g", new XAttribute("class", "axes"), new XAttribute("stroke-width", "1"));
        foreach (double x in plot.XTicks.Values())
        {
            double px = plot.Px(x);
            axes.Add(Line(px, plot.Top, px, plot.Bottom, "#e5e5e5"),
                Line(px, plot.Bottom, px, plot.Bottom + 5, "#333"),
                Text(px, plot.Bottom + 18, plot.XTicks.Label(x), "middle", new XAttribute("class", "x-tick")));
        }
        foreach (double y in plot.YTicks.Values())
        {
            double py = plot.Py(y);
            axes.Add(Line(plot.Left, py, plot.Left + plot.Width, py, "#e5e5e5"),
                Line(plot.Left - 5, py, plot.Left, py, "#333"),
                Text(plot.Left - 8, py + 4, plot.YTicks.Label(y), "end", new XAttribute("class", "y-tick")));
        }
        axes.Add(Line(plot.Left, plot.Bottom, plot.Left + plot.Width, plot.Bottom, "#333"),
            Line(plot.Left, plot.Top, plot.Left, plot.Bottom, "#333"));
        if (XLabel.Length > 0)
            axes.Add(Text(plot.Left + plot.Width / 2, plot.Bottom + 42, XLabel, "middle", new XAttribute("class", "x-label")));
        if (YLabel.Length > 0)
        {
            double x = 18, y = plot.Top + plot.Height / 2;
            axes.Add(Text(x, y, YLabel, "middle", new XAttribute("class", "y-label"),
                new XAttribute("transform", $"rotate(-90 {Num(x)} {Num(y)})")));
        }
        return axes;
    }

    private XElement SeriesLines(PlotArea plot)
    {
        var group = new XElement(Svg + "g", new XAttribute("clip-path", "url(#plot-area)"));
        for (int i = 0; i < _series.Count; i++)
        {
            var line = new XElement(Svg + "g", new XAttribute("class", "series"), new XAttribute("data-name", _series[i].Name));
            foreach (var run in FiniteRuns(_series[i].Points))
            {
                if (run.Count == 1)
                    line.Add(new XElement(Svg + "circle", new XAttribute("cx", Num(plot.Px(run[0].X))), new XAttribute("cy", Num(plot.Py(run[0].Y))),
                        new XAttribute("r", "3"), new XAttribute("fill", Colour(i))));
                else
                    line.Add(StyledLine(new XElement(Svg + "polyline", new XAttribute("fill", "none"),
                        new XAttribute("points", string.Join(" ", run.Select(p => $"{Num(plot.Px(p.X))},{Num(plot.Py(p.Y))}")))), i));
            }
            group.Add(line);
        }
        return group;
    }

    private XElement Legend(double left, double top)
    {
        var legend = new XElement(Svg + "g", new XAttribute("class", "legend"));
        for (int i = 0; i < _series.Count; i++)
        {
            double y = top + 8 + 20 * i;
            legend.Add(StyledLine(Line(left, y, left + 22, y, Colour(i)), i),
                Text(left + 28, y + 4, _series[i].Name, "start"));
        }
        return legend;
    }

    // Points sorted by x, cut wherever a coordinate is missing: each run becomes one polyline.
    private static IEnumerable<List<(double X, double Y)>> FiniteRuns(IReadOnlyList<(double X, double Y)> points)
    {
        var run = new List<(double X, double Y)>();
        foreach (var point in points.Where(p => double.IsFinite(p.X)).OrderBy(p => p.X))
        {
            if (IsFinite(point)) { run.Add(point); continue; }
            if (run.Count > 0) yield return run;
            run = new List<(double X, double Y)>();
        }
        if (run.Count > 0) yield return run;
    }

    private static NiceTicks AxisTicks(IEnumerable<double> values, double? fixedMin, double? fixedMax)
    {
        var list = values.ToList();
        double lo = fixedMin ?? (list.Count > 0 ? list.Min() : 0);
        double hi = fixedMax ?? (list.Count > 0 ? list.Max() : 1);
        if (hi <= lo)
        {
            // One distinct value, or a pinned end on the wrong side of the data: open a window beside it.
            if (fixedMin != null) hi = lo + Pad(lo);
            else if (fixedMax != null) lo = hi - Pad(hi);
            else (lo, hi) = (lo - Pad(lo), hi + Pad(hi));
        }
        return NiceTicks.For(lo, hi, fixedMin: fixedMin, fixedMax: fixedMax);
    }

    private static double Pad(double value) => value == 0 ? 1 : Math.Abs(value) * 0.1;

    private static XElement StyledLine(XElement line, int seriesIndex)
    {
        line.SetAttributeValue("stroke", Colour(seriesIndex));
        line.SetAttributeValue("stroke-width", "2");
        string dash = Dashes[seriesIndex / Palette.Length % Dashes.Length];
        if (dash.Length > 0) line.SetAttributeValue("stroke-dasharray", dash);
        return line;
    }

    private static string Colour(int seriesIndex) => Palette[seriesIndex % Palette.Length];

    private static bool IsFinite((double X, double Y) p) => double.IsFinite(p.X) && double.IsFinite(p.Y);

    private static XElement Line(double x1, double y1, double x2, double y2, string stroke) =>
        new(Svg + "line", new XAttribute("x1", Num(x1)), new XAttribute("y1", Num(y1)),
            new XAttribute("x2", Num(x2)), new XAttribute("y2", Num(y2)), new XAttribute("stroke", stroke));

    private static XElement Text(double x, double y, string text, string anchor, params XAttribute[] extra) =>
        new(Svg + "text", new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("text-anchor", anchor), extra, text);

    private static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Maps data coordinates to pixels inside the plotting rectangle (SVG y grows downwards).</summary>
    private sealed record PlotArea(double Left, double Top, double Width, double Height, NiceTicks XTicks, NiceTicks YTicks)
    {
        public double Bottom => Top + Height;
        public double Px(double x) => Left + (x - XTicks.Min) / (XTicks.Max - XTicks.Min) * Width;
        public double Py(double y) => Bottom - (y - YTicks.Min) / (YTicks.Max - YTicks.Min) * Height;
    }
}
