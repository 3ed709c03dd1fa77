using System.Net;

namespace Parley.Bench.Transport;

/// <summary>Where a run may send traffic: the loopback range only, unless the operator says otherwise.</summary>
internal static class TargetUrl
{
    /// <summary>True for ws:// or wss:// URLs whose host is localhost or a loopback address.</summary>
    public static bool IsLoopback(Uri url)
        => url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    public static bool IsWebSocket(Uri url) => url.Scheme is "ws" or "wss";

    /// <summary>The HTTP base of a WebSocket URL (same host and port), for /metrics.</summary>
    public static Uri HttpBase(Uri url)
        => new UriBuilder(url) { Scheme = url.Scheme == "wss" ? "https" : "http", Path = "/", Query = "" }.Uri;
}
