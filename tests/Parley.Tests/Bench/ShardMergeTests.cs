using System.Text.Json;
using Parley.Bench.Measures;
using Parley.Bench.Running;
using Parley.Bench.Sharding;

namespace Parley.Tests.Bench;

/// <summary>How a sharded run's results become one: exact histograms, summed series and counts, and a verdict no better than its worst shard.</summary>
public sealed class ShardMergeTests
{
    private static readonly RunShape Shape = new(40, 4, 0, 8, 10, 1000, 64, 10);
    private static readonly ServerFigures Server = new("none", null, null, null);

    [Fact]
    public void Merged_histograms_equal_one_histogram_of_every_value()
    {
        var a = Histogram(Enumerable.Range(1, 1000).Select(v => (long)v * 37));
        var b = Histogram(Enumerable.Range(1, 300).Select(v => (long)v * 1013));
        var everything = Histogram(Enumerable.Range(1, 1000).Select(v => (long)v * 37).Concat(Enumerable.Range(1, 300).Select(v => (long)v * 1013)));

        var merged = ShardMerge.Merge(Shape, "broadcast", "parley", "u", "run", DateTime.UtcNow, Server, [Outcome(0, Result(latency: a)), Outcome(1, Result(latency: b))]);

        Assert.Equal(everything.Count, merged.Latency.Count);
        foreach (var p in new[] { 0.0, 50, 90, 99, 99.9, 100 })
        {
            Assert.Equal(everything.ValueAtPercentile(p), LatencyHistogram.From(merged.Histograms!.Latency).ValueAtPercentile(p));
        }

        Assert.Equal(LatencySummary.Of(everything), merged.Latency);
    }

    [Fact]
    public void Histogram_buckets_survive_result_json_unchanged()
    {
        var histogram = Histogram([3, 300, 30_000, 3_000_000, 3_000_000]);
        var result = Result(latency: histogram);

        var read = JsonSerializer.Deserialize(JsonSerializer.Serialize(result, BenchResultJson.Default.BenchResult), BenchResultJson.Default.BenchResult)!;

        var restored = LatencyHistogram.From(read.Histograms!.Latency);
        Assert.Equal(histogram.Count, restored.Count);
        Assert.Equal(histogram.Sum, restored.Sum);
        Assert.Equal(histogram.Min, restored.Min);
        Assert.Equal(histogram.Max, restored.Max);
        Assert.Equal(histogram.ToBuckets().Buckets, restored.ToBuckets().Buckets);
    }

    [Fact]
    public void Series_are_summed_second_by_second_even_when_ticks_drift()
    {
        List<ProgressSample> first = [Sample(1.0, 100, 10), Sample(2.0, 200, 10), Sample(3.0, 300, 10)];
        List<ProgressSample> second = [Sample(1.1, 10, 5), Sample(1.9, 20, 5), Sample(3.4, 30, 5)];

        var merged = ShardMerge.MergedSeries([first, second]);

        Assert.Equal([1.0, 2.0, 3.0], merged.Select(s => s.ElapsedSeconds));
        Assert.Equal([110.0, 220.0, 330.0], merged.Select(s => s.DeliveriesPerSecond));
        Assert.All(merged, s => Assert.Equal(15, s.LiveConnections));
    }

    [Fact]
    public void A_failing_shard_fails_the_merged_result_and_is_named_in_its_notes()
    {
        var failed = Result() with
        {
            Passed = false,
            Completeness = new CompletenessFigures(false, 10, 100, 97, 3, 0, 0, 0, 0, 0, ["u7 in r1: expected 10, missing 3"]),
        };

        var merged = ShardMerge.Merge(Shape, "broadcast", "parley", "u", "run", DateTime.UtcNow, Server, [Outcome(0, Result()), Outcome(1, failed, exitCode: 1)]);

        Assert.False(merged.Passed);
        Assert.False(merged.Completeness.Passed);
        Assert.Equal(3, merged.Completeness.Missing);
        Assert.Equal(20, merged.Completeness.Streams);
        Assert.Equal(["shard 1: u7 in r1: expected 10, missing 3"], merged.Completeness.Notes);
    }

    [Fact]
    public void A_shard_that_wrote_no_result_fails_the_merged_result()
    {
        var merged = ShardMerge.Merge(Shape, "broadcast", "parley", "u", "run", DateTime.UtcNow, Server, [Outcome(0, Result()), new ShardOutcome(1, 134, null)]);

        Assert.False(merged.Passed);
        Assert.Equal(1, merged.Completeness.OtherFailures);
        Assert.Contains("shard 1: exited with code 134", merged.Completeness.Notes[0]);
    }

    [Fact]
    public void Storm_figures_sum_clients_weigh_the_share_and_take_the_slowest_recovery()
    {
        var a = Result(figures: new() { ["storm.clients"] = 300, ["storm.recovered"] = 300, ["storm.resumed_without_gap_share"] = 1.0, ["storm.recovery_seconds"] = 2.5 });
        var b = Result(figures: new() { ["storm.clients"] = 100, ["storm.recovered"] = 100, ["storm.resumed_without_gap_share"] = 0.5, ["storm.recovery_seconds"] = 4.0 });

        var merged = ShardMerge.Merge(Shape, "reconnect-storm", "parley", "u", "run", DateTime.UtcNow, Server, [Outcome(0, a), Outcome(1, b)]);

        Assert.Equal(400, merged.Figures["storm.clients"]);
        Assert.Equal(400, merged.Figures["storm.recovered"]);
        Assert.Equal(0.875, merged.Figures["storm.resumed_without_gap_share"]);
        Assert.Equal(4.0, merged.Figures["storm.recovery_seconds"]);
    }

    [Fact]
    public void Counts_and_rates_are_summed()
    {
        var merged = ShardMerge.Merge(Shape, "broadcast", "parley", "u", "run", DateTime.UtcNow, Server, [Outcome(0, Result()), Outcome(1, Result())]);

        Assert.True(merged.Passed);
        Assert.Equal(200, merged.Published);
        Assert.Equal(2000, merged.Deliveries);
        Assert.Equal(400, merged.DeliveriesPerSecond);
        Assert.Equal(40, merged.Settings.Connections);
    }

    private static ShardOutcome Outcome(int index, BenchResult result, int exitCode = 0) => new(index, exitCode, result);

    private static LatencyHistogram Histogram(IEnumerable<long> values)
    {
        var histogram = new LatencyHistogram();
        foreach (var value in values)
        {
            histogram.Record(value);
        }

        return histogram;
    }

    private static ProgressSample Sample(double at, double deliveriesPerSecond, long live) => new(at, "publishing", deliveriesPerSecond, 0, 0, live, 0, 0, 1, 2);

    private static BenchResult Result(LatencyHistogram? latency = null, Dictionary<string, double>? figures = null)
    {
        latency ??= Histogram([100, 200]);
        var connects = Histogram([1000]);
        return new BenchResult
        {
            Scenario = "broadcast",
            Target = "parley",
            Url = "u",
            RunId = "runs0",
            StartedUtc = DateTime.UtcNow,
            Settings = Shape with { Connections = 20 },
            Passed = true,
            MeasuredSeconds = 5,
            Published = 100,
            Acknowledged = 100,
            Retries = 0,
            Deliveries = 1000,
            DeliveriesPerSecond = 200,
            PublishesPerSecond = 20,
            Latency = LatencySummary.Of(latency),
            LatencyPercentiles = LatencySummary.Curve(latency),
            Connects = 20,
            ConnectsPerSecond = 20,
            ConnectTime = LatencySummary.Of(connects),
            ConnectFailures = 0,
            UpgradeRefusals = 0,
            Reconnects = 0,
            Server = Server,
            Figures = figures ?? [],
            Completeness = new CompletenessFigures(true, 10, 1000, 1000, 0, 0, 0, 0, 0, 0, []),
            Series = [Sample(1, 200, 20)],
            Histograms = new RunHistograms(latency.ToBuckets(), connects.ToBuckets()),
        };
    }
}
