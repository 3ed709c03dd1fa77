using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Parley.Node.Hosting.Transport;

/// <summary>
/// Accepts TCP connections for Kestrel. When accept fails for want of a file descriptor or kernel
/// memory, it gives up the <see cref="DescriptorReserve"/> (so the runtime has descriptors to
/// work with) and pauses (from <see cref="FirstPause"/>, doubling to <see cref="LongestPause"/>),
/// instead of retrying at once; it resumes once the reserve could be taken back. Meanwhile the
/// connections already open keep being served and new ones wait in the listen backlog (or are
/// refused by the kernel when it is full). Any other accept failure is a connection reset while
/// it waited in the backlog, and the next one is accepted at once.
/// </summary>
internal sealed partial class PausingSocketListener(Socket listenSocket, SocketConnectionContextFactory contexts, bool noDelay, DescriptorReserve reserve, ILogger logger) : IConnectionListener
{
    /// <summary>Pause after the first failure: short, so a brief shortage costs little.</summary>
    // The pauses run on real time, not the node's clock: they wait for the kernel to free
    // descriptors, which no test clock can hurry.
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest pause: how late accepting may resume after descriptors are freed.</summary>
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _unbound = new();

    public EndPoint EndPoint { get; } = listenSocket.LocalEndPoint!;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var pause = TimeSpan.Zero;
        while (true)
        {
            try
            {
                var socket = await listenSocket.AcceptAsync(cancellationToken);
                if (pause > TimeSpan.Zero)
                {
                    Log.Resumed(logger, EndPoint.ToString() ?? "");
                }

                socket.NoDelay = noDelay;
                return contexts.Create(socket);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                reserve.Release();
                if (pause == TimeSpan.Zero)
                {
                    Log.Paused(logger, EndPoint.ToString() ?? "", e.SocketErrorCode.ToString());
                }

                try
                {
                    do
                    {
                        pause = pause == TimeSpan.Zero ? FirstPause : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
                        await Task.Delay(pause, _unbound.Token);
                    }
                    while (!reserve.TryTake());
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
            catch (SocketException)
            {
                // Reset while it waited in the backlog: take the next one.
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        listenSocket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        listenSocket.Dispose();
        contexts.Dispose();
        _unbound.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1120, Level = LogLevel.Warning, Message = "Accepting on {Endpoint} is paused: {Error}. Open connections are served; new ones wait until descriptors are free.")]
        public static partial void Paused(ILogger logger, string endpoint, string error);

        [LoggerMessage(EventId = 1121, Level = LogLevel.Information, Message = "Accepting on {Endpoint} resumed.")]
        public static partial void Resumed(ILogger logger, string endpoint);
    }
}
