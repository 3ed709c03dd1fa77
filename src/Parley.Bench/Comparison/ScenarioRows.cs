namespace Parley.Bench.Comparison;

/// <summary>
/// The rows of each scenario's table, each read by its exact path in result.json (latencies in
/// microseconds, memory in bytes; see Running/BenchResult.cs) and converted to the unit its name
/// gives; peak memory, the run's CPU and Redis's figures (<see cref="RedisRows"/>) come from
/// compare's server.json, the Node client's idle memory from ws-idle.json.
/// </summary>
internal static class ScenarioRows
{
    private const double KiB = 1024, MiB = 1024 * 1024;

    public static IReadOnlyList<FigureRow> For(string scenario) => scenario switch
    {
        "idle" =>
        [
            new("resident memory per idle connection, KB", Better.Lower, r => Figure(r, "server.memory.per_connection_bytes") / KiB),
            new("resident memory per idle connection held by a Node `ws` client, KB", Better.Lower, r => RunFiles.Number(r.WsIdle, "per_connection_bytes") / KiB),
            new("server resident memory holding every connection, MB", Better.Lower, r => Figure(r, "server.memory.idle_bytes") / MiB),
            new("server resident memory holding every Node `ws` connection, MB", Better.Lower, r => RunFiles.Number(r.WsIdle, "idle_bytes") / MiB),
            new("server CPU while idle, % of one core", Better.Lower, r => RunFiles.Number(r.Result, "server", "cpu_percent")),
            new("connects per second while setting up", Better.Higher, r => RunFiles.Number(r.Result, "connects_per_second")),
            new("connect time p99, ms", Better.Lower, r => RunFiles.Number(r.Result, "connect_time_us", "p99") / 1000),
            PeakMemory,
            RedisRows.MemoryPerConnection,
        ],
        "reconnect-storm" =>
        [
            new("clients dropped at once", Better.Neither, r => Figure(r, "storm.clients")),
            new("time until every client has resumed, s", Better.Lower, r => Figure(r, "storm.recovery_seconds")),
            new("share resumed with nothing missed", Better.Higher, r => Figure(r, "storm.resumed_without_gap_share")),
            new("reconnects per second (peak)", Better.Higher, r => RunFiles.Number(r.Result, "connects_per_second")),
            new("reconnect time p99, ms", Better.Lower, r => RunFiles.Number(r.Result, "connect_time_us", "p99") / 1000),
            new("deliveries per second over the run", Better.Higher, r => RunFiles.Number(r.Result, "deliveries_per_second")),
            PeakMemory,
        ],
        "churn" =>
        [
            new("connects per second", Better.Higher, r => RunFiles.Number(r.Result, "connects_per_second")),
            new("connect time p50, ms", Better.Lower, r => RunFiles.Number(r.Result, "connect_time_us", "p50") / 1000),
            new("connect time p99, ms", Better.Lower, r => RunFiles.Number(r.Result, "connect_time_us", "p99") / 1000),
            WindowCpu,
            PeakMemory,
        ],
        _ =>
        [
            new("deliveries per second", Better.Higher, r => RunFiles.Number(r.Result, "deliveries_per_second")),
            new("publishes per second", Better.Higher, r => RunFiles.Number(r.Result, "publishes_per_second")),
            new("publish-to-deliver p50, ms", Better.Lower, r => Latency(r, "p50")),
            new("publish-to-deliver p99, ms", Better.Lower, r => Latency(r, "p99")),
            new("publish-to-deliver p99.9, ms", Better.Lower, r => Latency(r, "p999")),
            WindowCpu,
            PeakMemory,
            RedisRows.Cpu,
            RedisRows.CpuPerDelivery,
            RedisRows.CpuPerPublish,
            RedisRows.MemoryPerConnection,
        ],
    };

    /// <summary>compare's own 200 ms sampling over the whole run, not only the measured window.</summary>
    private static FigureRow PeakMemory { get; } = new("server peak resident memory, MB", Better.Lower, r => RunFiles.Number(r.Server, "peakRssKb") / KiB);

    private static FigureRow WindowCpu { get; } = new("server CPU in the measured window, % of one core", Better.Lower, r => RunFiles.Number(r.Result, "server", "cpu_percent"));

    private static double? Figure(RunFiles run, string name) => RunFiles.Number(run.Result, "figures", name);

    /// <summary>A run that delivered nothing has no latency, not a latency of 0.</summary>
    private static double? Latency(RunFiles run, string percentile) =>
        RunFiles.Number(run.Result, "latency_us", "count") > 0 ? RunFiles.Number(run.Result, "latency_us", percentile) / 1000 : null;

}
