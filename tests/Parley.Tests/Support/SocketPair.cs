using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Parley.Tests.Support;

/// <summary>
/// A server-side WebSocket and its client over a real loopback TCP connection, without HTTP:
/// for testing the connection and room layers below the endpoint. The client side records every
/// text frame it receives.
/// </summary>
internal sealed class SocketPair : IAsyncDisposable
{
    private readonly TcpClient _clientTcp;
    private readonly TcpClient _serverTcp;
    private readonly List<JsonElement> _received = [];
    private readonly Task _reader;

    private SocketPair(TcpClient clientTcp, TcpClient serverTcp)
    {
        _clientTcp = clientTcp;
        _serverTcp = serverTcp;
        Server = WebSocket.CreateFromStream(serverTcp.GetStream(), isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        Client = WebSocket.CreateFromStream(clientTcp.GetStream(), isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        _reader = ReadAsync();
    }

    public WebSocket Server { get; }

    public WebSocket Client { get; }

    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static async Task<SocketPair> CreateAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return new SocketPair(client, await accept);
    }

    /// <summary>Sequence numbers of the <c>msg</c> frames received, in order.</summary>
    public IReadOnlyList<long> Seqs => [.. Received.Where(f => f.GetProperty("op").GetString() == "msg").Select(f => f.GetProperty("seq").GetInt64())];

    public async ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        await Task.WhenAny(_reader, Task.Delay(1000));
        _clientTcp.Dispose();
        _serverTcp.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                var result = await Client.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                using var document = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count));
                lock (_received)
                {
                    _received.Add(document.RootElement.Clone());
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
