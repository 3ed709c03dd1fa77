using Parley.Bench.Output;

namespace Parley.Bench.Soak;

/// <summary>The picture of a soak: throughput, latency and each node's memory over time, with the faults marked.</summary>
internal static class SoakPicture
{
    private static readonly string[] NodeColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

    public static string Render(SoakResult result)
    {
        var verdict = result.Passed ? "PASSED" : "FAILED";
        var heading = $"parley soak, {result.Settings.Duration.TotalMinutes:0.#} minutes - {verdict}: {result.Acknowledged:N0} acknowledged, {result.Lost} lost, {result.Repeated} repeated";
        var markers = result.Faults.Select(f => (f.AtSeconds, f.What)).ToList();
        var throughput = new LineChart("Throughput", "seconds since start", "per second",
        [
            new ChartSeries("series-acknowledged", "acknowledged/s", "#ff7f0e", [.. result.Samples.Select(s => (s.ElapsedSeconds, s.AcknowledgedPerSecond))]),
            new ChartSeries("series-delivered", "delivered/s", "#1f77b4", [.. result.Samples.Select(s => (s.ElapsedSeconds, s.DeliveredPerSecond))]),
        ])
        { Markers = markers };
        var latency = new LineChart("Publish-to-deliver latency", "seconds since start", "milliseconds",
        [
            new ChartSeries("series-p50", "p50", "#2ca02c", [.. result.Samples.Select(s => (s.ElapsedSeconds, s.P50Milliseconds))]),
            new ChartSeries("series-p99", "p99", "#d62728", [.. result.Samples.Select(s => (s.ElapsedSeconds, s.P99Milliseconds))]),
        ])
        { Markers = markers };
        var nodes = result.Samples.SelectMany(s => s.ResidentMegabytes.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var memory = new LineChart("Resident memory per node", "seconds since start", "MB",
        [
            .. nodes.Select((node, i) => new ChartSeries($"series-memory-{node}", node, NodeColours[i % NodeColours.Length],
                [.. result.Samples.Where(s => s.ResidentMegabytes.ContainsKey(node)).Select(s => (s.ElapsedSeconds, s.ResidentMegabytes[node]))])),
        ])
        { Markers = markers };
        return SvgWriter.Render(heading, [throughput, latency, memory]);
    }
}
