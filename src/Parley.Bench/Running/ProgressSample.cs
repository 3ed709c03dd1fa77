namespace Parley.Bench.Running;

/// <summary>One tick of the progress display, kept for the throughput chart.</summary>
internal sealed record ProgressSample(
    double ElapsedSeconds,
    string Phase,
    double DeliveriesPerSecond,
    double PublishesPerSecond,
    double ConnectsPerSecond,
    long LiveConnections,
    long Deliveries,
    long Published,
    double P50Ms,
    double P99Ms);
