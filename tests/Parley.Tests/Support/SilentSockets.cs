using System.Net;
using System.Net.Sockets;

namespace Parley.Tests.Support;

/// <summary>
/// Plain TCP connections to a node that send nothing (or only the bytes given) and never read
/// on their own: the cheapest way for a peer to hold a node's file descriptors.
/// </summary>
internal sealed class SilentSockets : IDisposable
{
    private readonly List<Socket> _sockets = [];

    private SilentSockets()
    {
    }

    /// <summary>Sockets whose connect completed (the rest timed out in a full backlog and were dropped).</summary>
    public int Count => _sockets.Count;

    /// <summary>
    /// Opens <paramref name="count"/> connections to <paramref name="port"/>, a hundred at a time,
    /// each given <paramref name="connectTimeout"/> to connect, and sends <paramref name="opening"/> on each.
    /// </summary>
    public static async Task<SilentSockets> OpenAsync(int port, int count, byte[]? opening = null, TimeSpan? connectTimeout = null)
    {
        var sockets = new SilentSockets();
        for (var started = 0; started < count; started += 100)
        {
            var batch = Enumerable.Range(0, Math.Min(100, count - started)).Select(_ => ConnectAsync(port, opening, connectTimeout ?? TimeSpan.FromSeconds(2)));
            foreach (var socket in await Task.WhenAll(batch))
            {
                if (socket is not null)
                {
                    sockets._sockets.Add(socket);
                }
            }
        }

        return sockets;
    }

    /// <summary>How many of the sockets the node has closed (a FIN or a reset seen; anything it sent first is read and dropped).</summary>
    public int ClosedByNode() => _sockets.Count(IsClosedByPeer);

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private static async Task<Socket?> ConnectAsync(int port, byte[]? opening, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
            if (opening is not null)
            {
                await socket.SendAsync(opening, SocketFlags.None, deadline.Token);
            }

            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static bool IsClosedByPeer(Socket socket)
    {
        var scratch = new byte[1024];
        socket.Blocking = false;
        try
        {
            while (true)
            {
                if (socket.Receive(scratch) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
        finally
        {
            socket.Blocking = true;
        }
    }
}
