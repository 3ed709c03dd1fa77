namespace Parley.Node.Cluster;

/// <summary>
/// A node's state and running totals since it started, published with every heartbeat so any node
/// can answer the operator's overview for the whole cluster. Totals only grow while the node runs;
/// a restarted node starts again from zero. Values are as fresh as the node's last heartbeat.
/// </summary>
/// <param name="Mode">"embedded" or "cluster".</param>
/// <param name="Draining">Whether the node is draining (SIGTERM received).</param>
/// <param name="MessagesCommitted">Messages this node committed to the store.</param>
/// <param name="Deliveries">Message and signal frames queued to this node's connections.</param>
/// <param name="SlowConsumerCloses">Connections closed because their outbound queue overflowed.</param>
/// <param name="LimitRefusals">Requests and connections refused by a limit.</param>
/// <param name="ConnectionsPerTenant">Authenticated connections on this node, by tenant (tenants with none are absent).</param>
public sealed record NodeStats(
    string Mode,
    bool Draining,
    long MessagesCommitted,
    long Deliveries,
    long SlowConsumerCloses,
    long LimitRefusals,
    IReadOnlyDictionary<string, int> ConnectionsPerTenant);
