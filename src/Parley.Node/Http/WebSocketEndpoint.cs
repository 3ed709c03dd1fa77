using System.Net.WebSockets;
using Parley.Node.Auth;
using Parley.Node.Connections;
using Parley.Node.Limits;
using Parley.Node.Protocol;

namespace Parley.Node.Http;

/// <summary>
/// <c>/v1/ws</c> through the HTTP pipeline: admission and drain before the upgrade, answered with
/// an HTTP error body when refused; an accepted socket is then served by <see cref="ConnectionServer"/>,
/// as one taken by <see cref="Connections.Upgrade.DirectUpgrade"/> before the HTTP server is.
/// </summary>
internal sealed class WebSocketEndpoint(ConnectionServer server, SessionServices services, AdmissionGate admission, DrainState drain)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "This endpoint takes WebSocket upgrades only.");
            return;
        }

        var retryAfter = 1;
        if (drain.IsDraining || !admission.TryAdmit(out retryAfter))
        {
            if (!drain.IsDraining)
            {
                services.Metrics.LimitRefusal("admission");
            }

            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await HttpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable", "The node is not admitting connections now; retry after the delay.");
            return;
        }

        var bearer = BearerToken.From(context.Request);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var coalescing = (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>() as CoalescingUpgradeFeature)?.Stream;
        var serving = server.ServeAsync(socket, coalescing, bearer, context.RequestAborted);
        bearer = null; // not kept for the connection's life
        await serving;
    }
}
