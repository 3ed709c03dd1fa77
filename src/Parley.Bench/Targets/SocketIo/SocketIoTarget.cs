using Parley.Bench.Transport;

namespace Parley.Bench.Targets.SocketIo;

/// <summary>Socket.IO 4 (Engine.IO v4) over WebSocket only, default namespace (README.md).</summary>
internal sealed class SocketIoTarget(Uri url, WebSocketConnector connector, int messageSize) : IBenchTarget
{
    private readonly Uri _url = EngineUrl(url);
    private readonly string _padding = BenchBody.Padding(messageSize);

    public string Name => "socketio";

    public TargetCapabilities Capabilities => TargetCapabilities.None;

    public async Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
    {
        var socket = await connector.OpenAsync(_url, null, cancellationToken);
        var connection = new SocketIoConnection(socket, sink, _padding);
        try
        {
            await connection.HandshakeAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
    }

    /// <summary>The Engine.IO endpoint: the URL as given when it names /socket.io/, else that path on its origin.</summary>
    internal static Uri EngineUrl(Uri url)
        => url.AbsolutePath.Contains("/socket.io/", StringComparison.Ordinal)
            ? url
            : new UriBuilder(url) { Path = "/socket.io/", Query = "EIO=4&transport=websocket" }.Uri;
}
