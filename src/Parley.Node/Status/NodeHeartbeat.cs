using Microsoft.Extensions.Options;
using Parley.Node.Cluster;
using Parley.Node.Options;

namespace Parley.Node.Status;

/// <summary>
/// Announces this node in the registry at start and on every heartbeat interval, with the
/// presence TTL, and withdraws it on a clean stop. A node that dies disappears within one TTL.
/// Each announcement carries the node's running totals, so any node can report on every other; it
/// announces every <c>Web:StatsInterval</c> when that is shorter than the heartbeat interval.
/// </summary>
internal sealed class NodeHeartbeat(
    INodeRegistry registry,
    NodeIdentity node,
    NodeSnapshot snapshot,
    IOptions<ParleyOptions> options,
    TimeProvider clock,
    ILogger<NodeHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var presence = options.Value.Presence;
        // The entry's TTL is renewed at least every heartbeat; the totals it carries, every stats interval.
        var interval = presence.HeartbeatInterval < options.Value.Web.StatsInterval ? presence.HeartbeatInterval : options.Value.Web.StatsInterval;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await registry.AnnounceAsync(snapshot.Take(), presence.Ttl, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                HeartbeatLog.AnnounceFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await registry.WithdrawAsync(node.Id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HeartbeatLog.AnnounceFailed(logger, e);
        }
    }
}

internal static partial class HeartbeatLog
{
    [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "Announcing this node in the registry failed; it drops out of the cluster list when its entry expires.")]
    public static partial void AnnounceFailed(ILogger logger, Exception exception);
}
