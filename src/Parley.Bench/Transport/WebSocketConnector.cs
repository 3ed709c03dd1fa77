using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Parley.Bench.Transport;

/// <summary>
/// Opens client WebSockets, each from the next source address (bound before connecting, through a
/// <see cref="SocketsHttpHandler.ConnectCallback"/>), and retries upgrades the server turns away
/// with 503 or 429 after its Retry-After plus jitter, until <see cref="RetryWindow"/> has passed.
/// One handler per source address; upgraded connections are never pooled, so handlers are shared.
/// </summary>
internal sealed class WebSocketConnector : IDisposable
{
    private readonly HttpMessageInvoker[] _invokers;
    private long _refusals;
    private long _opened;
    private int _next = -1;

    /// <param name="sources">Where connections come from; null lets the system choose (a remote target).</param>
    public WebSocketConnector(SourceAddresses? sources)
    {
        _invokers = sources is null
            ? [new HttpMessageInvoker(Handler(null))]
            : [.. sources.All.Select(a => new HttpMessageInvoker(Handler(a)))];
    }

    /// <summary>How long one connection keeps retrying refused upgrades. Default 120 s: long enough for a storm of 100,000 at 1,000 admissions a second.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Upgrades answered with 503 or 429 (admission control), each later retried.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>WebSockets opened since the start.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    public async Task<ClientWebSocket> OpenAsync(Uri uri, Action<ClientWebSocketOptions>? configure, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            socket.Options.CollectHttpResponseDetails = true;
            configure?.Invoke(socket.Options);
            try
            {
                await socket.ConnectAsync(uri, NextInvoker(), cancellationToken);
                Interlocked.Increment(ref _opened);
                return socket;
            }
            catch (WebSocketException e) when (socket.HttpStatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _refusals);
                var wait = RetryDelay(socket);
                socket.Dispose();
                if (DateTime.UtcNow - started + wait > RetryWindow)
                {
                    throw new ConnectRefusedException($"{uri} kept refusing the upgrade for {RetryWindow.TotalSeconds:0} s.", e);
                }

                await Task.Delay(wait, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    private HttpMessageInvoker NextInvoker()
        => _invokers[(int)((uint)Interlocked.Increment(ref _next) % (uint)_invokers.Length)];

    /// <summary>Retry-After (seconds) plus up to as much again at random, so refused clients do not return in one wave.</summary>
    private static TimeSpan RetryDelay(ClientWebSocket socket)
    {
        var seconds = 1.0;
        if (socket.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values)
            && double.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 0)
        {
            seconds = Math.Max(parsed, 0.05);
        }

        return TimeSpan.FromSeconds(seconds * (1 + Random.Shared.NextDouble()));
    }

    private static SocketsHttpHandler Handler(IPAddress? source) => new()
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var remote = await Resolve(context.DnsEndPoint, cancellationToken);
            var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (source is not null && remote.AddressFamily == source.AddressFamily)
                {
                    socket.Bind(new IPEndPoint(source, 0));
                }

                await socket.ConnectAsync(remote, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static async Task<IPEndPoint> Resolve(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(endPoint.Host, out var address))
        {
            return new IPEndPoint(address, endPoint.Port);
        }

        if (string.Equals(endPoint.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, endPoint.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
        return new IPEndPoint(chosen, endPoint.Port);
    }
}
