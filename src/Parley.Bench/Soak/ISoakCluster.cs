namespace Parley.Bench.Soak;

/// <summary>
/// The cluster a soak runs against and the faults it may inject: a three-node cluster on loopback
/// behind a proxy, whose parts can be killed and started again.
/// </summary>
internal interface ISoakCluster
{
    /// <summary>The proxy's WebSocket endpoint; clients connect there and land on any node.</summary>
    Uri WebSocketUri { get; }

    /// <summary>The nodes' ids and current process ids (a restarted node has a new one).</summary>
    IReadOnlyList<(string NodeId, int ProcessId)> Nodes { get; }

    /// <summary>A token the cluster accepts for <paramref name="user"/> of <paramref name="tenant"/>, with every room.</summary>
    string Token(string tenant, string user);

    /// <summary>Kills node <paramref name="index"/> with SIGKILL, waits <paramref name="downtime"/>, starts it again and waits until it is ready.</summary>
    Task KillAndRestartNodeAsync(int index, TimeSpan downtime, CancellationToken cancellationToken);

    /// <summary>Stops redis-server, waits <paramref name="downtime"/>, starts it again (empty: nothing in Redis survives).</summary>
    Task RestartRedisAsync(TimeSpan downtime, CancellationToken cancellationToken);

    /// <summary>Stops PostgreSQL, waits <paramref name="downtime"/>, starts it again on the same data.</summary>
    Task RestartPostgresAsync(TimeSpan downtime, CancellationToken cancellationToken);
}
