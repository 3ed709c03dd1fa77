using Microsoft.AspNetCore.Http.Features;

namespace Parley.Node.Connections;

/// <summary>
/// Puts a <see cref="CoalescingStream"/> under the WebSocket of an HTTP/1.1 upgrade: the WebSocket
/// middleware upgrades through this feature, so the socket it creates writes into the coalescing
/// stream, which the connection's writer then corks and uncorks. Installed for <c>/v1/ws</c> only,
/// before the WebSocket middleware; an HTTP/2 WebSocket (extended CONNECT) does not use it and
/// simply writes frame by frame.
/// </summary>
internal sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The stream under the WebSocket once upgraded; null before.</summary>
    public CoalescingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new CoalescingStream(await inner.UpgradeAsync());
        return Stream;
    }

    /// <summary>Middleware: wraps the upgrade feature of requests to <paramref name="path"/>.</summary>
    public static void Install(IApplicationBuilder app, PathString path)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals(path) && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                context.Features.Set<IHttpUpgradeFeature>(new CoalescingUpgradeFeature(upgrade));
            }

            return next(context);
        });
    }
}
