using System.IO.Pipelines;
using System.Net.Sockets;
using Parley.Redis.Protocol;

namespace Parley.Redis.Transport;

/// <summary>
/// One TCP socket to Redis seen as a pipe of RESP values. Not thread-safe: it has one reader and
/// one writer at a time (the handshake, then a <see cref="CommandPipeline"/>'s two loops).
/// </summary>
internal sealed class RespTransport : IAsyncDisposable
{
    private readonly Socket _socket;

    private RespTransport(Socket socket, string endPoint)
    {
        _socket = socket;
        EndPoint = endPoint;
        var stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(stream);
        Output = PipeWriter.Create(stream);
    }

    public string EndPoint { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public static async Task<RespTransport> ConnectAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        // Dual mode: one socket reaches IPv4 and IPv6 hosts alike.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EnableKeepAlive(socket);
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
            return new RespTransport(socket, options.EndPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next value; throws <see cref="RedisConnectionException"/> when Redis closes the connection.</summary>
    public async ValueTask<RespValue> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await Input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (RespReader.TryRead(buffer, out var value, out var end))
            {
                Input.AdvanceTo(end);
                return value;
            }

            Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new RedisConnectionException($"Redis at {EndPoint} closed the connection.");
            }
        }
    }

    /// <summary>Closes the socket at once, waking any read or write blocked on it.</summary>
    public void Abort() => _socket.Dispose();

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        try
        {
            await Output.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Completing flushes what is buffered; on a dead socket there is nowhere to flush it.
        }

        _socket.Dispose();
    }

    private static void EnableKeepAlive(Socket socket)
    {
        // Detects a peer that vanished without a FIN (a dead host, a dropped route) within about a
        // minute, where an idle subscriber would otherwise wait forever. A paused but living server
        // still answers keepalives; the command timeout covers that case.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }
}
