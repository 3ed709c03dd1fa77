using Parley.Node.Connections;
using Parley.Node.Store;
using Parley.Tests.Support;

namespace Parley.Tests.Observability;

/// <summary>
/// Counters operators alert on exist at 0 from a node's start, for every label value they can
/// take: an alert on a rate (or on <c>increase(…) &gt; 0</c>) sees nothing of a series that does
/// not exist yet, so without its zero it would miss the first failure.
/// </summary>
public sealed class CountersAtStartTests
{
    [Fact]
    public async Task A_fresh_embedded_node_lists_every_alerting_counter_at_zero()
    {
        using var node = await NodeProcess.StartAsync();

        var scrape = await Scrape.GetAsync(node.Http);

        foreach (var kind in ConnectionMetrics.RefusalKinds)
        {
            Assert.Equal(0, scrape[$"parley_limits_refusals_total{{kind=\"{kind}\"}}"]);
        }

        foreach (var reason in StoreMetrics.CommitFailureReasons)
        {
            Assert.Equal(0, scrape[$"parley_store_commit_failures_total{{reason=\"{reason}\"}}"]);
        }

        foreach (var reason in ConnectionMetrics.CloseReasons)
        {
            Assert.Equal(0, scrape[$"parley_connections_closed_total{{reason=\"{reason}\"}}"]);
        }

        Assert.Equal(0, scrape["parley_connections_slow_consumer_closes_total"]);
        Assert.Equal(0, scrape["parley_queue_dropped_total"]);
        Assert.Equal(0, scrape["parley_sequencer_gap_fills_total"]);
        Assert.Equal(0, scrape["parley_sequencer_duplicates_dropped_total"]);
        Assert.Equal(0, scrape["parley_broker_publish_failures_total"]);
        Assert.Equal(0, scrape["parley_store_trimmed_total"]);
        Assert.Equal(0, scrape["parley_connections_opened_total"]);
        Assert.Equal(0, scrape["parley_publishes_total{kind=\"durable\",source=\"http\"}"]);
    }

    [Fact]
    public async Task Memory_figures_read_from_the_last_collection_are_never_reported_as_zero()
    {
        await using var node = await TestNode.StartAsync();

        var scrape = await Scrape.GetAsync(node.Http);

        // A process that has collected reports them; one that has not yet leaves them out rather than claim 0.
        foreach (var name in (string[])["parley_process_gc_committed_bytes", "parley_process_gc_heap_live_bytes"])
        {
            Assert.True(!scrape.Samples.TryGetValue(name, out var value) || value > 0, $"{name} reads {value}");
        }

        GC.Collect();
        var after = await Scrape.GetAsync(node.Http);
        Assert.True(after["parley_process_gc_committed_bytes"] > 0);
        Assert.True(after["parley_process_gc_heap_live_bytes"] > 0);
    }
}
