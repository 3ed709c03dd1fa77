using Parley.Bench.Measures;

namespace Parley.Bench.Running;

/// <summary>A latency distribution in microseconds.</summary>
internal sealed record LatencySummary(long Count, long Min, double Mean, long P50, long P90, long P99, long P999, long Max)
{
    public static LatencySummary Of(LatencyHistogram h)
        => new(h.Count, h.Count == 0 ? 0 : h.Min, Math.Round(h.Mean, 1), h.ValueAtPercentile(50), h.ValueAtPercentile(90), h.ValueAtPercentile(99), h.ValueAtPercentile(99.9), h.Max);

    /// <summary>Points for the percentile chart, from 0 to 99.99 at even steps of -log10(1 - q).</summary>
    public static List<PercentilePoint> Curve(LatencyHistogram h)
    {
        var points = new List<PercentilePoint>();
        if (h.Count == 0)
        {
            return points;
        }

        for (var x = 0.0; x <= 4.0001; x += 0.1)
        {
            var percentile = (1 - Math.Pow(10, -x)) * 100;
            points.Add(new PercentilePoint(Math.Round(percentile, 4), h.ValueAtPercentile(percentile)));
        }

        points.Add(new PercentilePoint(100, h.Max));
        return points;
    }
}

internal sealed record PercentilePoint(double Percentile, long Microseconds);
