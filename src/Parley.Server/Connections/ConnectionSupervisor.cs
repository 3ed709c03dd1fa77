using Microsoft.Extensions.Options;
using Parley.Server.Limits;
using Parley.Server.Options;
using Parley.Server.Presence;
using Parley.Server.Protocol;

namespace Parley.Server.Connections;

/// <summary>
/// Once a second: pings connections that are due, closes those silent past the idle timeout
/// (4002) and those whose token has expired (4003). Every heartbeat interval: renews the TTLs of
/// this node's connection slots and presence entries, so that they outlive the node by at most one
/// TTL and no longer.
/// </summary>
internal sealed class ConnectionSupervisor(
    ConnectionRegistry registry,
    IConnectionLimiter limiter,
    IPresenceStore presence,
    IOptionsMonitor<ParleyOptions> options,
    TenantLimits tenantLimits,
    TimeProvider clock,
    ILogger<ConnectionSupervisor> logger) : BackgroundService
{
    /// <summary>Granularity of pings, idle and expiry checks.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastHeartbeat = clock.GetTimestamp();
        using var timer = new PeriodicTimer(Tick, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var current = options.CurrentValue;
            Supervise(current.Limits);
            if (clock.GetElapsedTime(lastHeartbeat) >= current.Presence.HeartbeatInterval)
            {
                lastHeartbeat = clock.GetTimestamp();
                await RenewAsync(current.Presence.Ttl, stoppingToken);
            }
        }
    }

    /// <summary>One pass over the connections; public for tests.</summary>
    public void Supervise(LimitsOptions limits)
    {
        var now = Environment.TickCount64;
        var utcNow = clock.GetUtcNow();
        foreach (var connection in registry.All)
        {
            if (connection.IsClosing)
            {
                continue;
            }

            if (tenantLimits.For(connection.Principal.Tenant).Disabled)
            {
                connection.Close(CloseReason.TenantDisabled, flush: false);
            }
            else if (connection.Principal.Expires <= utcNow)
            {
                connection.Close(CloseReason.TokenExpired, flush: true);
            }
            else if (now - connection.LastActivity > limits.IdleTimeout.TotalMilliseconds)
            {
                connection.Close(CloseReason.IdleTimeout, flush: false);
            }
            else if (now - connection.LastPingSent >= limits.PingInterval.TotalMilliseconds)
            {
                connection.LastPingSent = now;
                connection.Send(ServerFrames.Ping, FrameClass.MustDeliver);
            }
        }
    }

    private async Task RenewAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var connections = registry.All.Where(c => !c.IsClosing).ToList();
        try
        {
            await limiter.RenewAsync([.. connections.Select(c => c.Slot)], ttl, cancellationToken);
            var rooms = connections
                .SelectMany(c => c.JoinedRooms.Values.ToList().Select(s => (s.Stream, Member: new PresenceMember(c.Principal.User, c.Id))))
                .GroupBy(x => x.Stream);
            foreach (var room in rooms)
            {
                await presence.RenewAsync(room.Key, [.. room.Select(x => x.Member)], ttl, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SupervisorLog.RenewFailed(logger, e);
        }
    }
}

internal static partial class SupervisorLog
{
    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Renewing connection slots and presence failed; entries expire after their TTL unless the next heartbeat succeeds.")]
    public static partial void RenewFailed(ILogger logger, Exception exception);
}
