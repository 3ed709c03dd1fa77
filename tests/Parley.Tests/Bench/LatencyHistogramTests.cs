using Parley.Bench.Measures;

namespace Parley.Tests.Bench;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_one_to_a_hundred_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(50, histogram.ValueAtPercentile(50));
        Assert.Equal(90, histogram.ValueAtPercentile(90));
        Assert.Equal(99, histogram.ValueAtPercentile(99));
        Assert.Equal(100, histogram.ValueAtPercentile(99.9));
        Assert.Equal(1, histogram.ValueAtPercentile(0));
        Assert.Equal(100, histogram.Count);
        Assert.Equal(50.5, histogram.Mean);
    }

    [Fact]
    public void Large_values_are_reported_within_two_significant_digits()
    {
        foreach (var value in new long[] { 257, 1_000, 12_345, 999_999, 3_600_000_000 })
        {
            var histogram = new LatencyHistogram();
            histogram.Record(value);
            histogram.Record(value + 1);
            var reported = histogram.ValueAtPercentile(50);
            Assert.InRange(reported, value, value + (value / 100));
        }
    }

    [Fact]
    public void Every_value_falls_in_a_bucket_whose_bounds_contain_it()
    {
        for (long value = 0; value < 100_000; value += 7)
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.True(LatencyHistogram.HighestInBucket(index) >= value);
            Assert.True(index == 0 || LatencyHistogram.HighestInBucket(index - 1) < value);
        }
    }

    [Fact]
    public void Merged_histograms_report_what_one_histogram_would()
    {
        var odd = new LatencyHistogram();
        var even = new LatencyHistogram();
        var whole = new LatencyHistogram();
        for (var v = 1; v <= 200; v++)
        {
            (v % 2 == 0 ? even : odd).Record(v);
            whole.Record(v);
        }

        var merged = new LatencyHistogram();
        merged.Add(odd);
        merged.Add(even);

        foreach (var p in new[] { 0.0, 10, 50, 90, 99, 99.9, 100 })
        {
            Assert.Equal(whole.ValueAtPercentile(p), merged.ValueAtPercentile(p));
        }

        Assert.Equal(100, merged.ValueAtPercentile(50));
        Assert.Equal(198, merged.ValueAtPercentile(99));
        Assert.Equal(200, merged.Count);
        Assert.Equal(1, merged.Min);
        Assert.Equal(200, merged.Max);
    }

    [Fact]
    public void Delivery_stats_merge_the_latencies_recorded_on_every_thread()
    {
        using var stats = new DeliveryStats();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                stats.Sample(TimeSpan.FromMilliseconds(1));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var merged = stats.MergedLatency();
        Assert.Equal(4000, merged.Count);
        Assert.InRange(merged.ValueAtPercentile(99), 1000, 1010);
    }

    [Fact]
    public void An_empty_histogram_reports_zero()
    {
        Assert.Equal(0, new LatencyHistogram().ValueAtPercentile(99));
    }
}
