namespace Parley.Node.Cluster;

/// <summary>
/// The live nodes of a cluster. Each node announces itself on every heartbeat with a TTL; a node
/// that stops announcing (killed, partitioned) drops out of the list when its TTL passes.
/// </summary>
public interface INodeRegistry
{
    /// <summary>Adds or refreshes this node's entry for <paramref name="ttl"/>.</summary>
    Task AnnounceAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Removes this node's entry at once (a clean shutdown).</summary>
    Task WithdrawAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>Nodes whose entry has not expired, ordered by node id.</summary>
    Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What a node says about itself: id, start time, connections and when it last announced, and its
/// running totals (<see cref="NodeStats"/>; null from a node of an earlier version).
/// </summary>
public sealed record NodeInfo(string Id, DateTimeOffset StartedAt, int Connections, DateTimeOffset HeartbeatAt)
{
    /// <summary>Omitted from JSON when null, so <c>/api/v1/cluster</c>, which strips it, keeps its documented shape.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public NodeStats? Stats { get; init; }
}
