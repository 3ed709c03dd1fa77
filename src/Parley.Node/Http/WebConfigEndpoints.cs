using Microsoft.Extensions.Options;
using Parley.Node.Cluster;
using Parley.Node.Connections.Upgrade;
using Parley.Node.Options;
using Parley.Node.Web;

namespace Parley.Node.Http;

/// <summary>
/// <c>GET /api/v1/web/config</c>, anonymous: what the web app needs before anyone signs in (which
/// node and mode it talks to, whether development sign-in exists, where the auth service is, and
/// the WebSocket path). It holds nothing a visitor could not learn by trying the routes.
/// </summary>
internal static class WebConfigEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/api/v1/web/config", (NodeIdentity node, DevSignInPolicy devSignIn, IOptions<ParleyOptions> options) =>
            {
                var authUrl = options.Value.Web.AuthUrl;
                return Results.Json(
                    new WebConfigReply(
                        node.Mode == NodeMode.Embedded ? "embedded" : "cluster",
                        node.Id,
                        devSignIn.NodeAllows,
                        authUrl.Length > 0 ? authUrl : null,
                        DirectUpgrade.Path),
                    SnakeCaseJson.Options);
            })
            .WithName("WebConfig")
            .WithTags("web")
            .WithSummary("What the web app needs to start: mode, node, development sign-in, auth service URL and WebSocket path.")
            .Produces<WebConfigReply>();

    public sealed record WebConfigReply(string Mode, string Node, bool DevSignIn, string? AuthUrl, string WsPath);
}
