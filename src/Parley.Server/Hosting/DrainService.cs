using Microsoft.Extensions.Options;
using Parley.Server.Connections;
using Parley.Server.Options;
using Parley.Server.Protocol;

namespace Parley.Server.Hosting;

/// <summary>
/// On SIGTERM, before Kestrel stops: readiness turns 503 and admission refuses upgrades; every
/// connection gets a <c>reconnect</c> hint with a delay drawn uniformly from the drain window (so
/// clients return spread out, not as a storm), its queue is flushed and it is closed with 4000;
/// connections still open after the flush timeout are aborted.
/// </summary>
internal sealed class DrainService(DrainState drain, ConnectionRegistry registry, IOptions<ParleyOptions> options, ILogger<DrainService> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        var settings = options.Value.Drain;
        var connections = registry.All.ToList();
        DrainLog.Draining(logger, connections.Count);
        var windowMs = (int)settings.Window.TotalMilliseconds;
        foreach (var connection in connections)
        {
            connection.Send(ServerFrames.Reconnect(Random.Shared.Next(0, windowMs + 1), "draining"), FrameClass.MustDeliver);
            connection.Close(CloseReason.GoingAway, flush: true);
        }

        var flushed = Task.WhenAll(connections.Select(c => c.Done));
        if (await Task.WhenAny(flushed, Task.Delay(settings.FlushTimeout, cancellationToken)) != flushed)
        {
            foreach (var connection in connections)
            {
                connection.Abort();
            }
        }
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
