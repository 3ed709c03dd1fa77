using System.Globalization;
using System.Text;
using System.Xml;
using static Parley.Bench.Output.SvgShapes;

namespace Parley.Bench.Output;

/// <summary>
/// Writes line charts, stacked in one SVG document, by hand: no chart package is installable
/// here and a run's picture needs only axes, grid lines, polylines and a legend. The output is
/// well-formed XML that any browser opens; each series is a <c>polyline</c> with the series' id.
/// </summary>
internal static class SvgWriter
{
    private const int Width = 900;
    private const int PanelHeight = 360;
    private const int Left = 80;
    private const int Right = 30;
    private const int Top = 50;
    private const int Bottom = 60;

    public static string Render(string heading, IReadOnlyList<LineChart> charts)
    {
        var text = new StringBuilder();
        // No XML declaration: written to a string it would claim UTF-16, while the file is UTF-8.
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true };
        using (var xml = XmlWriter.Create(text, settings))
        {
            var height = (PanelHeight * charts.Count) + 40;
            xml.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            Attr(xml, "width", Width);
            Attr(xml, "height", height);
            xml.WriteAttributeString("viewBox", $"0 0 {Width} {height}");
            xml.WriteAttributeString("font-family", "sans-serif");
            xml.WriteAttributeString("font-size", "12");
            Rect(xml, 0, 0, Width, height, "#ffffff", null);
            Text(xml, Width / 2.0, 24, heading, "middle", 16, "bold");
            for (var i = 0; i < charts.Count; i++)
            {
                Panel(xml, charts[i], 40 + (i * PanelHeight));
            }

            xml.WriteEndElement();
        }

        return text.ToString();
    }

    private static void Panel(XmlWriter xml, LineChart chart, double offset)
    {
        var plotLeft = Left;
        var plotTop = offset + Top;
        var plotWidth = Width - Left - Right;
        var plotHeight = PanelHeight - Top - Bottom;
        var points = chart.Series.SelectMany(s => s.Points).ToList();
        var maxX = chart.XTicks is { Count: > 0 } ticks ? ticks.Max(t => t.X) : NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.X));
        var maxY = NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.Y));
        maxX = maxX <= 0 ? 1 : maxX;
        double X(double x) => plotLeft + (x / maxX * plotWidth);
        double Y(double y) => plotTop + plotHeight - (y / maxY * plotHeight);

        xml.WriteStartElement("g");
        xml.WriteAttributeString("class", "chart");
        Text(xml, Width / 2.0, offset + 30, chart.Title, "middle", 14, "bold");

        // Grid and y ticks: five steps from zero to the rounded maximum.
        for (var i = 0; i <= 5; i++)
        {
            var value = maxY * i / 5;
            Line(xml, plotLeft, Y(value), plotLeft + plotWidth, Y(value), "#e3e3e3");
            Text(xml, plotLeft - 8, Y(value) + 4, Format(value), "end", 11, null);
        }

        var xTicks = chart.XTicks ?? [.. Enumerable.Range(0, 6).Select(i => (maxX * i / 5, Format(maxX * i / 5)))];
        foreach (var (x, label) in xTicks)
        {
            Line(xml, X(x), plotTop, X(x), plotTop + plotHeight, "#efefef");
            Text(xml, X(x), plotTop + plotHeight + 18, label, "middle", 11, null);
        }

        Line(xml, plotLeft, plotTop + plotHeight, plotLeft + plotWidth, plotTop + plotHeight, "#333333");
        Line(xml, plotLeft, plotTop, plotLeft, plotTop + plotHeight, "#333333");
        Text(xml, plotLeft + (plotWidth / 2.0), plotTop + plotHeight + 40, chart.XLabel, "middle", 12, null);
        xml.WriteStartElement("text");
        Attr(xml, "x", 18);
        Attr(xml, "y", plotTop + (plotHeight / 2.0));
        xml.WriteAttributeString("text-anchor", "middle");
        xml.WriteAttributeString("transform", $"rotate(-90 18 {Num(plotTop + (plotHeight / 2.0))})");
        xml.WriteString(chart.YLabel);
        xml.WriteEndElement();

        foreach (var (x, label) in chart.Markers ?? [])
        {
            xml.WriteStartElement("line");
            xml.WriteAttributeString("class", "marker");
            Attr(xml, "x1", X(x));
            Attr(xml, "y1", plotTop + 22);
            Attr(xml, "x2", X(x));
            Attr(xml, "y2", plotTop + plotHeight);
            xml.WriteAttributeString("stroke", "#7f7f7f");
            xml.WriteAttributeString("stroke-dasharray", "4 3");
            xml.WriteEndElement();
            Text(xml, X(x) + 3, plotTop + 32, label, "start", 10, null);
        }

        var legendX = plotLeft + 10.0;
        foreach (var series in chart.Series)
        {
            xml.WriteStartElement("polyline");
            xml.WriteAttributeString("id", series.Id);
            xml.WriteAttributeString("fill", "none");
            xml.WriteAttributeString("stroke", series.Colour);
            xml.WriteAttributeString("stroke-width", "2");
            xml.WriteAttributeString("points", string.Join(' ', series.Points.Select(p => $"{Num(X(p.X))},{Num(Y(p.Y))}")));
            xml.WriteElementString("title", "http://www.w3.org/2000/svg", series.Label);
            xml.WriteEndElement();

            Rect(xml, legendX, plotTop + 6, 12, 12, series.Colour, null);
            Text(xml, legendX + 16, plotTop + 16, series.Label, "start", 11, null);
            legendX += 30 + (series.Label.Length * 6.5);
        }

        xml.WriteEndElement();
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above <paramref name="value"/>.</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 0 || double.IsNaN(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Format(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
