using System.Globalization;
using System.Text;
using System.Xml;
using static Parley.Bench.Output.SvgShapes;

namespace Parley.Bench.Comparison;

/// <summary>
/// The comparison's ratios as one picture, <c>bench/results/&lt;date&gt;-&lt;scenario&gt;.svg</c>: a row
/// per figure and peer, a dot at the ratio of the medians and a bar over the per-round range, with
/// the line at 1× where Parley and the peer are level. A dot is green where it is Parley's better
/// side of 1× (above for a figure where higher is better, below where lower is), orange otherwise,
/// so a reader sees at a glance which ratios hold across rounds and which straddle the line.
/// </summary>
internal static class RatioPicture
{
    private const int Width = 960;
    private const int LabelWidth = 470;
    private const int Right = 40;
    private const int RowHeight = 22;
    private const int Top = 60;
    private const string Better = "#2e8b57";
    private const string Worse = "#d2691e";

    /// <summary>One row: its label, which way is better, and the ratio with its range.</summary>
    internal sealed record Row(string Label, Comparison.Better Better, RatioSpread Ratio);

    /// <summary>The rows of every section with ratio columns, figure by figure and peer by peer; empty when nothing has a ratio.</summary>
    internal static IReadOnlyList<Row> Rows(ComparisonManifest manifest, IReadOnlyDictionary<string, RunFiles[]> runs)
    {
        var rows = new List<Row>();
        foreach (var section in manifest.Sections.Where(s => !s.SideBySide))
        {
            foreach (var figure in ScenarioRows.For(manifest.Scenario).Where(f => f.Better != Comparison.Better.Neither))
            {
                var mine = ComparisonReport.Values(runs, section.Main, figure);
                foreach (var other in section.Others)
                {
                    if (RatioSpread.Of(mine, ComparisonReport.Values(runs, other, figure)) is { } ratio && double.IsFinite(ratio.OfMedians))
                    {
                        var label = $"{figure.Name}: {TargetLabels.Of(section.Main)} ÷ {TargetLabels.Of(other)}";
                        rows.Add(new Row(manifest.Sections.Count(s => !s.SideBySide) > 1 ? $"{section.Heading}, {label}" : label, figure.Better, ratio));
                    }
                }
            }
        }

        return rows;
    }

    /// <summary>The SVG document for <paramref name="rows"/>, or null when there are none.</summary>
    internal static string? Render(ComparisonManifest manifest, IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        // A linear axis from 0 that always shows the 1× line and every range's end.
        var highest = rows.Max(r => Math.Max(r.Ratio.OfMedians, r.Ratio.Max ?? r.Ratio.OfMedians));
        var axisMax = Math.Max(1.5, Math.Ceiling(highest * 1.1 * 2) / 2);
        var plotLeft = LabelWidth + 10.0;
        var plotWidth = Width - plotLeft - Right;
        double X(double value) => plotLeft + (Math.Clamp(value, 0, axisMax) / axisMax * plotWidth);
        var height = Top + (rows.Count * RowHeight) + 50;

        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            Attr(xml, "width", Width);
            Attr(xml, "height", height);
            xml.WriteAttributeString("viewBox", $"0 0 {Width} {height}");
            xml.WriteAttributeString("font-family", "sans-serif");
            xml.WriteAttributeString("font-size", "12");
            Rect(xml, 0, 0, Width, height, "#ffffff", null);
            var rounds = manifest.Rounds > 1
                ? $"ratio of the medians of {manifest.Rounds} interleaved rounds (dot) and the range of the per-round ratios (bar)"
                : "one round";
            Text(xml, Width / 2.0, 22, $"{manifest.Scenario}, {manifest.Date}: Parley ÷ peer", "middle", 16, "bold");
            Text(xml, Width / 2.0, 40, rounds, "middle", 11, null);

            var bottom = Top + (rows.Count * RowHeight);
            for (var tick = 0.0; tick <= axisMax + 1e-9; tick += 0.5)
            {
                Line(xml, X(tick), Top - 6, X(tick), bottom, tick == 1 ? "#555555" : "#e6e6e6");
                Text(xml, X(tick), bottom + 16, tick.ToString("0.0", CultureInfo.InvariantCulture) + "×", "middle", 11, null);
            }

            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                var y = Top + (i * RowHeight) + (RowHeight / 2.0);
                var colour = IsBetter(row) ? Better : Worse;
                xml.WriteStartElement("g");
                xml.WriteAttributeString("class", "ratio");
                Text(xml, LabelWidth, y + 4, row.Label, "end", 11, null);
                if (row.Ratio is { Min: { } min, Max: { } max } && manifest.Rounds > 1)
                {
                    Rect(xml, X(min), y - 3, Math.Max(1, X(max) - X(min)), 6, colour + "55", null);
                }

                xml.WriteStartElement("circle");
                Attr(xml, "cx", X(row.Ratio.OfMedians));
                Attr(xml, "cy", y);
                Attr(xml, "r", 4.5);
                xml.WriteAttributeString("fill", colour);
                xml.WriteElementString("title", "http://www.w3.org/2000/svg", $"{row.Label}: {FigureText.RatioCell(row.Ratio, manifest.Rounds)}");
                xml.WriteEndElement();
                Text(xml, Math.Min(X(row.Ratio.OfMedians) + 8, Width - Right), y - 5, FigureText.Ratio(row.Ratio.OfMedians), "start", 9, null);
                xml.WriteEndElement();
            }

            Text(xml, plotLeft + (plotWidth / 2), bottom + 36, "green: on Parley's better side of 1×; orange: on the peer's", "middle", 11, null);
            xml.WriteEndElement();
        }

        return text.ToString();
    }

    private static bool IsBetter(Row row) => row.Better == Comparison.Better.Higher ? row.Ratio.OfMedians >= 1 : row.Ratio.OfMedians <= 1;
}
