namespace Parley.Bench.Comparison;

/// <summary>
/// Redis's own cost of a two-node run, from what compare's server.json records for every
/// redis-server behind the servers (replicas included): CPU from /proc over the whole run and the
/// dataset memory of the primaries, sampled every second. A run without a Redis records nulls, so
/// these rows stay out of the one-node tables.
/// </summary>
internal static class RedisRows
{
    public static FigureRow Cpu { get; } = new(
        "Redis CPU over the run, % of one core (all its processes)",
        Better.Lower,
        r => RunFiles.Number(r.Server, "redisCpuSeconds") is { } cpu && RunFiles.Number(r.Server, "wallSeconds") is > 0 and var wall ? cpu / wall * 100 : null);

    /// <summary>A delivery is every member's copy, so this is what fan-out costs Redis.</summary>
    public static FigureRow CpuPerDelivery { get; } = new("Redis CPU per 1,000 deliveries, ms", Better.Lower, r => CpuPerThousand(r, "deliveries"));

    public static FigureRow CpuPerPublish { get; } = new("Redis CPU per 1,000 acknowledged publishes, ms", Better.Lower, r => CpuPerThousand(r, "acknowledged"));

    public static FigureRow MemoryPerConnection { get; } = new(
        "Redis memory per connection (dataset of the primaries, peak over baseline ÷ connections), bytes",
        Better.Lower,
        r => RunFiles.Number(r.Server, "redisPeakBytes") is { } peak && RunFiles.Number(r.Server, "redisBaseBytes") is { } baseline
             && RunFiles.Number(r.Server, "connections") is > 0 and var connections
            ? (peak - baseline) / connections
            : null);

    private static double? CpuPerThousand(RunFiles run, string count) =>
        RunFiles.Number(run.Server, "redisCpuSeconds") is { } cpu && RunFiles.Number(run.Result, count) is > 0 and var n
            ? cpu * 1000 / n * 1000
            : null;
}
