namespace Parley.Bench.Running;

/// <summary>
/// One run's shape. Every default lives here with its reason; the command line maps onto it.
/// Every scenario is bounded twice: by <see cref="Duration"/> and by <see cref="MessageBudget"/>.
/// </summary>
internal sealed record BenchSettings
{
    /// <summary>Connections held (members, idle clients, storm clients); for churn, the clients connecting in parallel. Default 1,000.</summary>
    public int Connections { get; init; } = 1000;

    /// <summary>Publishing connections. Default 4: enough to keep a two-core server busy without starving the generator.</summary>
    public int Publishers { get; init; } = 4;

    /// <summary>Messages per second across all publishers; 0 publishes as fast as acknowledgements allow. Default 0.</summary>
    public double Rate { get; init; }

    /// <summary>Messages one publisher may have unacknowledged at once. Default 8: keeps the group commit fed without unbounded queues.</summary>
    public int Window { get; init; } = 8;

    /// <summary>How long the measured phase lasts (publishing, holding idle, churning). Default 10 s.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most messages published (for churn: connections opened) in the run. Default 1,000,000.</summary>
    public long MessageBudget { get; init; } = 1_000_000;

    /// <summary>Approximate body size in bytes of JSON. Default 64: a short chat message.</summary>
    public int MessageSize { get; init; } = 64;

    /// <summary>Connection attempts in flight at once while setting up. Default 64.</summary>
    public int ConnectConcurrency { get; init; } = 64;

    /// <summary>How long to wait, after publishing stops, for the last acknowledgements and deliveries. Default 15 s.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Members per group room in fanout-mix and reconnect-storm. Default 10, as in Centrifugo's million-connection test.</summary>
    public int GroupSize { get; init; } = 10;

    /// <summary>Prefix of every room, user and message id, so runs against one server never mix. Default: 8 random hex digits.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];
}
