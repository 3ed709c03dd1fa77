using Parley.Server.Cluster;

namespace Parley.Server.Http;

/// <summary><c>GET /api/v1/cluster</c>: the live nodes, for operators.</summary>
internal static class ClusterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/api/v1/cluster", async (INodeRegistry registry, CancellationToken cancellationToken) =>
            {
                var nodes = await registry.ListAsync(cancellationToken);
                return Results.Json(new ClusterReply(nodes.Count, nodes));
            })
            .WithName("ClusterNodes")
            .WithSummary("The nodes that announced themselves within the presence TTL.");

    public sealed record ClusterReply(int Count, IReadOnlyList<NodeInfo> Nodes);
}
