namespace Parley.Bench.Output;

/// <summary>One line of a chart: its id (kept in the SVG for tools and tests), its legend label, colour and points.</summary>
internal sealed record ChartSeries(string Id, string Label, string Colour, IReadOnlyList<(double X, double Y)> Points);
