using System.Globalization;
using System.Xml.Linq;
using Realm.Evaluation;

namespace Realm.Tests.Evaluation;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XElement Parse(SvgChart chart)
    {
        string svg = chart.ToSvg();
        Assert.DoesNotContain("NaN", svg);
        Assert.DoesNotContain("Infinity", svg);
        return XDocument.Parse(svg).Root!;
    }

    private static IEnumerable<XElement> SeriesGroups(XElement root) =>
        root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series");

    private static string[] Texts(XElement root, string cssClass) =>
        root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == cssClass).Select(t => t.Value).ToArray();

    private static (double X, double Y)[] PolylinePoints(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
            .ToArray();

    [Fact]
    public void Chart_IsStandaloneSvg_WithTitleAxisLabelsAndALegendEntryPerSeries()
    {
        var chart = new SvgChart { Title = "Reward <mean> & std", XLabel = "step", YLabel = "reward" }
            .Add("ReaLM-R1", [(0, 0.1), (10, 0.5), (20, 0.9)])
            .Add("GRPO", [(0, 0.2), (10, 0.3), (20, 0.4)])
            .Add("SFT", [(0, 0.3), (20, 0.35)]);
        var root = Parse(chart);

        Assert.Equal(Svg + "svg", root.Name);
        Assert.NotNull(root.Attribute("viewBox"));
        Assert.Equal("Reward <mean> & std", root.Element(Svg + "title")!.Value);
        Assert.Contains(root.Descendants(Svg + "text"), t => t.Value == "Reward <mean> & std");
        Assert.Equal(["step"], Texts(root, "x-label"));
        Assert.Equal(["reward"], Texts(root, "y-label"));

        var legend = root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(["ReaLM-R1", "GRPO", "SFT"], legend.Elements(Svg + "text").Select(t => t.Value));

        var colours = SeriesGroups(root).Select(g => g.Element(Svg + "polyline")!.Attribute("stroke")!.Value).ToArray();
        Assert.Equal(3, colours.Distinct().Count());
        // The legend swatch of each series has the colour of its line.
        Assert.Equal(colours, legend.Elements(Svg + "line").Select(l => l.Attribute("stroke")!.Value));
    }

    [Fact]
    public void TickLabels_AreEvenlySpacedRoundNumbers()
    {
        var root = Parse(new SvgChart { Title = "t" }.Add("s", [(0, 0.137), (437, 0.874)]));
        foreach (string axis in new[] { "x-tick", "y-tick" })
        {
            var values = Texts(root, axis).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(values.Length >= 3, $"{axis}: only {values.Length} ticks");
            double step = values[1] - values[0];
            double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9));
            Assert.Contains(Math.Round(mantissa, 9), new[] { 1.0, 2.0, 5.0 });
            for (int i = 2; i < values.Length; i++) Assert.Equal(step, values[i] - values[i - 1], step * 1e-6);
        }
        Assert.Equal("0", Texts(root, "x-tick")[0]);
        Assert.Equal("500", Texts(root, "x-tick")[^1]); // 437 rounded up to the next tick of 100
    }

    [Fact]
    public void PinnedYRange_SetsTheTicks_AndMapsValuesOntoTheGrid()
    {
        var root = Parse(new SvgChart { Title = "accuracy", YMin = 0, YMax = 1 }.Add("s", [(0, 0), (1, 0.5), (2, 1)]));
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], Texts(root, "y-tick"));

        var points = PolylinePoints(SeriesGroups(root).Single().Element(Svg + "polyline")!);
        var horizontalGrid = root.Descendants(Svg + "line")
            .Where(l => l.Attribute("stroke")!.Value == "#e5e5e5" && l.Attribute("y1")!.Value == l.Attribute("y2")!.Value)
            .Select(l => double.Parse(l.Attribute("y1")!.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(6, horizontalGrid.Length);
        // y = 0 lies on the lowest grid line, y = 1 on the highest, 0.5 halfway (SVG y grows downwards).
        Assert.Equal(horizontalGrid.Max(), points[0].Y, 1);
        Assert.Equal(horizontalGrid.Min(), points[2].Y, 1);
        Assert.Equal((points[0].Y + points[2].Y) / 2, points[1].Y, 1);
    }

    [Fact]
    public void MissingPoints_BreakTheLine_AndALonePointIsADot()
    {
        var root = Parse(new SvgChart { Title = "t" }
            .Add("gappy", [(0, 1), (1, 2), (2, double.NaN), (3, 4), (4, 5), (5, double.PositiveInfinity), (6, 3)]));
        var series = SeriesGroups(root).Single();

        var lines = series.Elements(Svg + "polyline").ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(2, PolylinePoints(lines[0]).Length);
        Assert.Equal(2, PolylinePoints(lines[1]).Length);
        Assert.Single(series.Elements(Svg + "circle")); // (6, 3) has no finite neighbour
    }

    [Fact]
    public void ASinglePoint_IsDrawn_OnAValidAxis()
    {
        var root = Parse(new SvgChart { Title = "t" }.Add("one", [(100, 0.5)]));
        Assert.Single(SeriesGroups(root).Single().Elements(Svg + "circle"));
        Assert.True(Texts(root, "x-tick").Length >= 2);
        Assert.True(Texts(root, "y-tick").Length >= 2);
    }

    [Fact]
    public void AChartWithoutData_SaysSo()
    {
        var root = Parse(new SvgChart { Title = "t" }.Add("empty", [(0, double.NaN)]));
        Assert.Contains(root.Descendants(Svg + "text"), t => t.Value == "no data");
        Assert.Empty(SeriesGroups(root).Single().Elements());
    }

    [Fact]
    public void ManySeries_StayDistinct_ByColourOrDash()
    {
        var chart = new SvgChart { Title = "t" };
        for (int i = 0; i < 14; i++) chart.Add($"s{i}", [(0, i), (1, i + 1)]);
        var styles = SeriesGroups(Parse(chart))
            .Select(g => g.Element(Svg + "polyline")!)
            .Select(l => (l.Attribute("stroke")!.Value, (string?)l.Attribute("stroke-dasharray")));
        Assert.Equal(14, styles.Distinct().Count());
    }

    [Fact]
    public void Save_WritesTheSvg()
    {
        using var temp = new TempDirectory();
        var chart = new SvgChart { Title = "EAAI schedule", XLabel = "progress s", YLabel = "α(s)" }
            .Add("linear", Enumerable.Range(0, 11).Select(i => (i / 10.0, Math.Max(0, 1 - i / 8.0))));
        chart.Save(temp.File("eaai.svg"));
        Assert.Equal(chart.ToSvg(), File.ReadAllText(temp.File("eaai.svg")));
        Assert.Equal(Svg + "svg", XDocument.Load(temp.File("eaai.svg")).Root!.Name);
    }

    [Fact]
    public void InvertedYRange_IsRejected() =>
        Assert.Throws<InvalidOperationException>(() => new SvgChart { Title = "t", YMin = 1, YMax = 0 }.ToSvg());
}
