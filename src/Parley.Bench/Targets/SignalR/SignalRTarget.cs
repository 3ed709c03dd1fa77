using System.Collections.Concurrent;
using Parley.Bench.Transport;

namespace Parley.Bench.Targets.SignalR;

/// <summary>
/// An ASP.NET Core SignalR hub through its JSON hub protocol over a plain WebSocket, negotiation
/// skipped (README.md). One timer pings every open connection every <see cref="KeepAliveInterval"/>,
/// because SignalR closes a client it has not heard from in 30 s.
/// </summary>
internal sealed class SignalRTarget : IBenchTarget
{
    /// <summary>Well under SignalR's default client timeout of 30 s, as its own clients do (15 s).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(10);

    private readonly Uri _url;
    private readonly WebSocketConnector _connector;
    private readonly string _padding;
    private readonly ConcurrentDictionary<SignalRConnection, byte> _open = new();
    private readonly Timer _keepAlive;

    public SignalRTarget(Uri url, WebSocketConnector connector, int messageSize)
    {
        _url = url;
        _connector = connector;
        _padding = BenchBody.Padding(messageSize);
        _keepAlive = new Timer(_ => PingAll(), null, KeepAliveInterval, KeepAliveInterval);
    }

    public string Name => "signalr";

    public TargetCapabilities Capabilities => TargetCapabilities.None;

    public async Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
    {
        var socket = await _connector.OpenAsync(_url, null, cancellationToken);
        var connection = new SignalRConnection(socket, sink, _padding);
        try
        {
            await connection.HandshakeAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        _open[connection] = 0;
        _ = connection.Closed.ContinueWith(_ => _open.TryRemove(connection, out byte _), TaskScheduler.Default);
        return connection;
    }

    public void Dispose() => _keepAlive.Dispose();

    private void PingAll()
    {
        foreach (var connection in _open.Keys)
        {
            connection.Ping();
        }
    }
}
