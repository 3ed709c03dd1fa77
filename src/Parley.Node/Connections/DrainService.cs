using Microsoft.Extensions.Options;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Rooms;

namespace Parley.Node.Connections;

/// <summary>
/// On SIGTERM, before Kestrel stops: readiness turns 503 and admission refuses upgrades; every
/// connection gets a <c>reconnect</c> hint with a delay drawn uniformly from the drain window (so
/// clients return spread out, not as a storm), its queue is flushed and it is closed with 4000;
/// connections still open after the flush timeout are aborted. A connection whose handshake
/// finishes after the drain began gets the same hint as soon as it is <c>connected</c>.
/// </summary>
internal sealed class DrainService(DrainState drain, ConnectionRegistry registry, IOptions<ParleyOptions> options, ILogger<DrainService> logger, TimeProvider clock) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        var settings = options.Value.Drain;
        var connections = registry.All.ToList();
        DrainLog.Draining(logger, connections.Count);
        foreach (var connection in connections)
        {
            SendAway(connection, settings.Window);
        }

        var flushed = Task.WhenAll(connections.Select(c => c.Done));
        if (await Task.WhenAny(flushed, Task.Delay(settings.FlushTimeout, clock, cancellationToken)) != flushed)
        {
            foreach (var connection in connections)
            {
                connection.Abort();
            }
        }
    }

    /// <summary>
    /// The <c>reconnect</c> hint with a delay drawn uniformly from <paramref name="window"/>, then a
    /// close with 4000 once the queue is flushed. Also used for a connection whose handshake
    /// finished after the drain began, which the list taken here may have missed.
    /// </summary>
    public static void SendAway(ClientConnection connection, TimeSpan window)
    {
        connection.Send(ServerFrames.Reconnect(Random.Shared.Next(0, (int)window.TotalMilliseconds + 1), "draining"), FrameClass.MustDeliver);
        connection.Close(CloseReason.GoingAway, flush: true);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class DrainLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Draining: telling {Count} connections to reconnect elsewhere.")]
    public static partial void Draining(ILogger logger, int count);
}
