using System.Globalization;
using Parley.Node.Observability;
using Parley.Node.Status;

namespace Parley.Tests.Observability;

public sealed class ProcessMetricsTests
{
    [Fact]
    public void Process_metrics_report_memory_heap_thread_pool_and_cpu_time()
    {
        using var metrics = new ProcessMetrics();
        using var exporter = new PrometheusExporter(m => m.Name == "Parley.Process");

        var lines = PrometheusTextGrammar.Validate(exporter.Render());

        Assert.Contains("# TYPE parley_process_memory_resident_bytes gauge", lines);
        Assert.True(Value(lines, "parley_process_memory_resident_bytes") > 0);
        Assert.Contains("# TYPE parley_process_gc_heap_size_bytes gauge", lines);
        Assert.True(Value(lines, "parley_process_gc_heap_size_bytes") > 0);
        Assert.True(Value(lines, "parley_process_gc_heap_live_bytes") >= 0);
        Assert.Contains("# TYPE parley_process_gc_collections_total counter", lines);
        Assert.True(Value(lines, "parley_process_gc_collections_total{gc_generation=\"gen0\"}") >= Value(lines, "parley_process_gc_collections_total{gc_generation=\"gen2\"}"));
        Assert.True(Value(lines, "parley_process_thread_pool_threads") > 0);
        Assert.True(Value(lines, "parley_process_thread_pool_queue_length") >= 0);
        Assert.Contains("# TYPE parley_process_cpu_time_seconds_total counter", lines);
        Assert.True(Value(lines, "parley_process_cpu_time_seconds_total") > 0);
        Assert.True(Value(lines, "parley_process_open_files") > 0);
        Assert.True(Value(lines, "parley_process_open_files_limit") >= Value(lines, "parley_process_open_files"));
    }

    private static double Value(string[] lines, string name) =>
        double.Parse(Assert.Single(lines, l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);
}
