using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Parley.Node.Hosting.Transport;

/// <summary>
/// Kestrel's socket transport for TCP endpoints, with a listener that pauses instead of spinning
/// when the process is out of file descriptors (<see cref="PausingSocketListener"/>). Kestrel's own
/// listener retries a failed accept at once; at the open-file limit accept fails at once too, so
/// it throws and catches in a tight loop that grew the node by ~35 MB/s until the runtime aborted.
/// Other endpoint kinds (Unix sockets, inherited handles) are left to Kestrel's transport.
/// </summary>
internal sealed class PausingSocketTransportFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <summary>One reserve for the process, shared by every listener.</summary>
    private static readonly DescriptorReserve Reserve = new();

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        LoadWhatAFailedAcceptNeeds();
        var settings = options.Value;
        var socket = settings.CreateBoundListenSocket(endpoint);
        try
        {
            socket.Listen(settings.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var contexts = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = settings.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = settings.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = settings.MaxReadBufferSize,
                MaxWriteBufferSize = settings.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = settings.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        IConnectionListener listener = new PausingSocketListener(socket, contexts, settings.NoDelay, Reserve, loggers.CreateLogger<PausingSocketListener>());
        return ValueTask.FromResult(listener);
    }

    /// <summary>
    /// The first failed accept makes the runtime load System.Diagnostics.StackTrace.dll (the stack
    /// trace's file and line reader); at the open-file limit that load fails in the middle of
    /// exception handling. Throwing and reading one such exception at start loads it while
    /// descriptors are plentiful.
    /// </summary>
    private static void LoadWhatAFailedAcceptNeeds()
    {
        try
        {
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TooManyOpenSockets);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            _ = new System.Diagnostics.StackTrace(e, fNeedFileInfo: true).ToString();
        }
    }
}
