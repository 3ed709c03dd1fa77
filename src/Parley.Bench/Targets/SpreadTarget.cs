namespace Parley.Bench.Targets;

/// <summary>
/// One target served by several nodes (a cluster, or Socket.IO processes sharing a Redis adapter):
/// client <c>i</c> always connects to node <c>i mod n</c>, so publishers and members are spread
/// evenly and every message crosses between nodes. A reconnecting client returns to its node.
/// </summary>
internal sealed class SpreadTarget : IBenchTarget
{
    private readonly IBenchTarget[] _nodes;

    public SpreadTarget(IReadOnlyList<IBenchTarget> nodes)
    {
        if (nodes.Count == 0)
        {
            throw new ArgumentException("A spread target needs at least one node.", nameof(nodes));
        }

        _nodes = [.. nodes];
    }

    public string Name => _nodes[0].Name;

    public TargetCapabilities Capabilities => _nodes[0].Capabilities;

    public Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
        => _nodes[(int)((uint)request.Client % (uint)_nodes.Length)].ConnectAsync(request, sink, cancellationToken);

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }
}
