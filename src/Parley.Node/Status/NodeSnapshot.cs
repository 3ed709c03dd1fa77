using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Observability;

namespace Parley.Node.Status;

/// <summary>This node's <see cref="NodeInfo"/> with its <see cref="NodeStats"/> as of now: what the heartbeat announces and what the overview shows for the node answering it.</summary>
internal sealed class NodeSnapshot(NodeIdentity node, ConnectionRegistry connections, DrainState drain, NodeCounters counters, TimeProvider clock)
{
    /// <summary>
    /// Most tenants whose connection counts one node publishes: those with the most connections.
    /// The entry is written every stats interval, so it is bounded in bytes (about 40 KB at most)
    /// however many tenants a node serves; the overview then under-counts only the smallest tenants.
    /// </summary>
    public const int MaxTenants = 1000;

    public NodeInfo Take()
    {
        var perTenant = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var connection in connections.All)
        {
            var tenant = connection.Principal.Tenant;
            perTenant[tenant] = perTenant.GetValueOrDefault(tenant) + 1;
            count++;
        }

        if (perTenant.Count > MaxTenants)
        {
            perTenant = perTenant.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(MaxTenants).ToDictionary(StringComparer.Ordinal);
        }

        return new NodeInfo(node.Id, node.StartedAt, count, clock.GetUtcNow())
        {
            Stats = new NodeStats(
                node.Mode == NodeMode.Embedded ? "embedded" : "cluster",
                drain.IsDraining,
                counters.MessagesCommitted,
                counters.Deliveries,
                counters.SlowConsumerCloses,
                counters.LimitRefusals,
                perTenant),
        };
    }
}
