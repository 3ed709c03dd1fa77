namespace Parley.Bench.Measures;

/// <summary>
/// Deliveries and publish-to-deliver latency, recorded without locks or shared cache lines: each
/// thread records into its own histogram and counter, and readers merge them. A reader racing a
/// writer may see a count one behind, never a torn one (aligned 64-bit fields).
/// </summary>
internal sealed class DeliveryStats : IDisposable
{
    private readonly ThreadLocal<Shard> _shards = new(static () => new Shard(), trackAllValues: true);

    /// <summary>Records one delivery whose publisher stamped it <paramref name="sentTicks"/> (Stopwatch ticks).</summary>
    public void Delivered(long sentTicks, long nowTicks)
    {
        var shard = _shards.Value!;
        shard.Deliveries++;
        shard.Latency.Record(TicksToMicroseconds(nowTicks - sentTicks));
    }

    /// <summary>Records a latency only (connect times, for example), counted apart from deliveries.</summary>
    public void Sample(TimeSpan elapsed) => _shards.Value!.Latency.Record((long)(elapsed.Ticks / 10));

    public long Deliveries
    {
        get
        {
            long total = 0;
            foreach (var shard in _shards.Values)
            {
                total += Volatile.Read(ref shard.Deliveries);
            }

            return total;
        }
    }

    /// <summary>All threads' latencies merged into a new histogram; exact once recording has stopped.</summary>
    public LatencyHistogram MergedLatency()
    {
        var merged = new LatencyHistogram();
        foreach (var shard in _shards.Values)
        {
            merged.Add(shard.Latency);
        }

        return merged;
    }

    public void Dispose() => _shards.Dispose();

    internal static long TicksToMicroseconds(long ticks) => (long)(ticks * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency);

    private sealed class Shard
    {
        public long Deliveries;
        public readonly LatencyHistogram Latency = new();
    }
}
