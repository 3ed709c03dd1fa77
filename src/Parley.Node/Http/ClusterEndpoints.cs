using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Cluster;
using Parley.Node.Options;
using Parley.Node.Protocol;

namespace Parley.Node.Http;

/// <summary>
/// <c>GET /api/v1/cluster</c>: how many nodes are live, for anyone (a load balancer or status page
/// needs no more); their ids, start times, loads and heartbeats only for the operator (a token with
/// the <c>operator</c> scope, or the operator token of the node's tenant directory), because they
/// map the cluster for an attacker and tell one tenant about the others' load.
/// </summary>
internal static class ClusterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/api/v1/cluster", async (HttpContext context, INodeRegistry registry, ITokenVerifier verifier, IOptionsMonitor<ParleyOptions> options, CancellationToken cancellationToken) =>
            {
                var (isOperator, error) = await HttpAuth.AuthenticateOperatorAsync(context, verifier, options.CurrentValue.Directory.Token);
                if (error is not null)
                {
                    return error;
                }

                var nodes = await registry.ListAsync(cancellationToken);
                return Results.Json(new ClusterReply(nodes.Count) { Nodes = isOperator ? [.. nodes.Select(ClusterNode.From)] : null });
            })
            .WithName("ClusterNodes")
            .WithTags("cluster")
            .WithSummary("How many nodes announced themselves within the presence TTL; with the operator's credential, each of them.")
            .WithMetadata(new OpenApiSetup.Authenticated(Optional: true))
            .Produces<ClusterReply>()
            .ProducesErrors(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);

    /// <summary>The live nodes: their count for anyone, and <see cref="Nodes"/> (absent otherwise) for the operator.</summary>
    public sealed record ClusterReply(int Count)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<ClusterNode>? Nodes { get; init; }
    }

    /// <summary>One node as the API writes it: snake_case, times in UTC with milliseconds, as every other reply.</summary>
    public sealed record ClusterNode(
        string Id,
        [property: JsonPropertyName("started_at")] string StartedAt,
        int Connections,
        [property: JsonPropertyName("heartbeat_at")] string HeartbeatAt)
    {
        public static ClusterNode From(NodeInfo node)
            => new(node.Id, ServerFrames.FormatTimestamp(node.StartedAt), node.Connections, ServerFrames.FormatTimestamp(node.HeartbeatAt));
    }
}
