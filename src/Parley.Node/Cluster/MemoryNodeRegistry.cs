namespace Parley.Node.Cluster;

/// <summary>The registry of embedded mode: the entries of this process only, expired by the clock.</summary>
internal sealed class MemoryNodeRegistry(TimeProvider clock) : INodeRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (NodeInfo Node, DateTimeOffset Expires)> _nodes = new(StringComparer.Ordinal);

    public Task AnnounceAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _nodes[node.Id] = (node, clock.GetUtcNow() + ttl);
        }

        return Task.CompletedTask;
    }

    public Task WithdrawAsync(string nodeId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _nodes.Remove(nodeId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var expired in _nodes.Where(n => n.Value.Expires <= now).Select(n => n.Key).ToList())
            {
                _nodes.Remove(expired);
            }

            IReadOnlyList<NodeInfo> live = [.. _nodes.Values.Select(n => n.Node).OrderBy(n => n.Id, StringComparer.Ordinal)];
            return Task.FromResult(live);
        }
    }
}
