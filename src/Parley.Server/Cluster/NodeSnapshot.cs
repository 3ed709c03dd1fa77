using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Observability;

namespace Parley.Server.Cluster;

/// <summary>This node's <see cref="NodeInfo"/> with its <see cref="NodeStats"/> as of now: what the heartbeat announces and what the overview shows for the node answering it.</summary>
internal sealed class NodeSnapshot(NodeIdentity node, ConnectionRegistry connections, DrainState drain, NodeCounters counters, TimeProvider clock)
{
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
