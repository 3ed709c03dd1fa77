using System.Collections.Concurrent;

namespace Parley.Node.Connections;

/// <summary>The authenticated connections of this node, for supervision, drain and health.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public IEnumerable<ClientConnection> All => _connections.Values;

    public void Add(ClientConnection connection) => _connections[connection.Id] = connection;

    public void Remove(ClientConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>Connections of one tenant on this node (tests and health).</summary>
    public int CountTenant(string tenant) => _connections.Values.Count(c => c.Principal.Tenant == tenant);
}
