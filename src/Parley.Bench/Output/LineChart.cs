namespace Parley.Bench.Output;

/// <summary>
/// One panel of a picture: a title, axis labels, series and optional named x ticks (the percentile
/// chart places 50, 90, 99… on a log scale). Axes start at zero and end at a rounded maximum.
/// </summary>
internal sealed record LineChart(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series)
{
    /// <summary>Ticks at given x positions with their own labels; null: five even ticks.</summary>
    public IReadOnlyList<(double X, string Label)>? XTicks { get; init; }

    /// <summary>Events drawn as labelled vertical lines across the plot (a soak's faults); null: none.</summary>
    public IReadOnlyList<(double X, string Label)>? Markers { get; init; }
}
