namespace Parley.Tests.Architecture;

/// <summary>
/// The node library's folders, lowest layer first (docs/architecture.md explains each). A folder
/// may use the folders before it in this list and never one after it, so a change ripples only
/// upwards: a new backend under Broker cannot reach a socket, and nothing below Connections knows
/// there are sockets at all.
/// </summary>
internal static class NodeLayers
{
    public static readonly IReadOnlyList<string> Order =
    [
        // What everything reads: settings, names of tenants and streams, metric primitives.
        "Options",
        "Tenancy",
        "Observability",
        // The durable log's contract and stores, then the wire format built on its records.
        "Store",
        "Protocol",
        // The other contracts and their memory and real implementations.
        "Auth",
        "Broker",
        "Presence",
        "Limits",
        "Cluster",
        // Delivery: per-stream sequencing and fan-out, then publishing into it.
        "Rooms",
        "Publishing",
        // The edges: client connections, the node's own status, the browser app, HTTP endpoints.
        "Connections",
        "Status",
        "Web",
        "Http",
        // Composition: options bound, backends chosen, endpoints mapped.
        "Hosting",
    ];

    /// <summary>
    /// The contracts beside each other: each may use the foundations below it, never another
    /// contract, so a backend for one seam (a broker, say) cannot come to depend on another's.
    /// </summary>
    public static readonly IReadOnlySet<string> Contracts = new HashSet<string>(["Auth", "Broker", "Presence", "Limits", "Cluster"]);
}
