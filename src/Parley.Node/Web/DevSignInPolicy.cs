using System.Net;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Cluster;
using Parley.Node.Options;

namespace Parley.Node.Web;

/// <summary>
/// Whether <c>POST /api/v1/dev/sign-in</c> exists on this node: only in embedded mode, only while
/// the node verifies with its development key and no configured key (HmacSecret, PublicKeys,
/// JwksUrl), and only when every address it listens on is loopback. Anywhere else the route
/// answers 404 as if it were not mapped. A request is also refused (404) unless its Host header names
/// a loopback host and it came from a loopback peer with no non-loopback forwarding hop, so neither
/// a page served from another name resolving to 127.0.0.1 nor a proxy on the same machine can reach it.
/// </summary>
internal sealed class DevSignInPolicy(NodeIdentity node, DevelopmentSigning signing, IOptions<ParleyOptions> options, IServer server)
{
    /// <summary>0 until decided, then 1 (refuses) or 2 (allows); an int so a racing read is never torn.</summary>
    private int _nodeAllows;

    /// <summary>The development key, when the node allows development sign-in at all; else null.</summary>
    public string? Secret => NodeAllows ? signing.Secret : null;

    /// <summary>Decided once the node listens: its addresses are known only then.</summary>
    public bool NodeAllows
    {
        get
        {
            var decided = Volatile.Read(ref _nodeAllows);
            if (decided != 0)
            {
                return decided == 2;
            }

            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is null || addresses.Count == 0)
            {
                return false;
            }

            var auth = options.Value.Auth;
            var allows = node.Mode == NodeMode.Embedded
                && signing.Secret is not null
                && auth.HmacSecret.Length == 0 && auth.PublicKeys.Count == 0 && auth.JwksUrl.Length == 0
                && addresses.All(IsLoopbackAddress);
            Volatile.Write(ref _nodeAllows, allows ? 2 : 1);
            return allows;
        }
    }

    /// <summary>Whether this request may sign in: the node allows it and the request is local end to end.</summary>
    public bool Allows(HttpContext context)
    {
        if (!NodeAllows)
        {
            return false;
        }

        var request = context.Request;
        if (!IsLoopbackHost(request.Host.Host) || context.Connection.RemoteIpAddress is not { } peer || !IPAddress.IsLoopback(peer))
        {
            return false;
        }

        foreach (var hop in request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? "").Split(',')))
        {
            if (!IPAddress.TryParse(hop.Trim(), out var address) || !IPAddress.IsLoopback(address))
            {
                return false;
            }
        }

        // RFC 7239's header is not parsed: its presence alone means a proxy the node cannot vouch for.
        return request.Headers["Forwarded"].Count == 0;
    }

    /// <summary>A Kestrel address such as <c>http://127.0.0.1:8080</c> or <c>http://localhost:8080</c>; wildcards, unspecified addresses and Unix sockets are not loopback.</summary>
    public static bool IsLoopbackAddress(string address)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        return !binding.IsUnixPipe && !binding.IsNamedPipe && IsLoopbackHost(binding.Host);
    }

    private static bool IsLoopbackHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address);
    }
}
