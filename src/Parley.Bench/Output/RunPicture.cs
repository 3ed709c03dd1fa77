using Parley.Bench.Running;

namespace Parley.Bench.Output;

/// <summary>The picture of one run: throughput over time, then the latency distribution by percentile.</summary>
internal static class RunPicture
{
    /// <summary>Percentiles marked on the latency chart's log axis, at x = -log10(1 - q).</summary>
    private static readonly double[] MarkedPercentiles = [0, 90, 99, 99.9, 99.99];

    public static string Render(BenchResult result)
    {
        var verdict = result.Passed ? "PASSED" : "FAILED";
        var heading = $"parley bench {result.Scenario} against {result.Target} ({result.Settings.Connections} connections) - {verdict}";
        var throughput = new LineChart("Throughput over time", "seconds since start", "per second",
        [
            new ChartSeries("series-deliveries", "deliveries/s", "#1f77b4", [.. result.Series.Select(s => (s.ElapsedSeconds, s.DeliveriesPerSecond))]),
            new ChartSeries("series-publishes", "publishes/s", "#ff7f0e", [.. result.Series.Select(s => (s.ElapsedSeconds, s.PublishesPerSecond))]),
            new ChartSeries("series-connects", "connects/s", "#2ca02c", [.. result.Series.Select(s => (s.ElapsedSeconds, s.ConnectsPerSecond))]),
        ]);
        var latencyTitle = result.Scenario == "churn" || result.Latency.Count == 0 ? "Connect time by percentile" : "Publish-to-deliver latency by percentile";
        var curve = result.Latency.Count == 0 ? Curve(result.ConnectTime) : result.LatencyPercentiles;
        var latency = new LineChart(latencyTitle, "percentile", "milliseconds",
        [
            new ChartSeries("series-latency", "latency (ms)", "#d62728", [.. curve.Select(p => (Position(p.Percentile), p.Microseconds / 1000.0))]),
        ])
        {
            XTicks = [.. MarkedPercentiles.Select(p => (Position(p), p.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
        };
        return SvgWriter.Render(heading, [throughput, latency]);
    }

    /// <summary>Where a percentile sits on the log axis; 100 is drawn at the right edge, with 99.99.</summary>
    internal static double Position(double percentile) => percentile >= 99.99 ? 4 : -Math.Log10(1 - (percentile / 100));

    private static List<PercentilePoint> Curve(LatencySummary summary)
        => summary.Count == 0 ? [] :
        [
            new PercentilePoint(0, summary.Min),
            new PercentilePoint(50, summary.P50),
            new PercentilePoint(90, summary.P90),
            new PercentilePoint(99, summary.P99),
            new PercentilePoint(99.9, summary.P999),
            new PercentilePoint(100, summary.Max),
        ];
}
