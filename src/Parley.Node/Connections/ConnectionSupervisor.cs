using Microsoft.Extensions.Options;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Protocol;
using Parley.Node.Publishing;
using Parley.Node.Rooms;

namespace Parley.Node.Connections;

/// <summary>
/// Once a second: pings connections that are due, closes those silent past the idle timeout
/// (4002) and those whose token has expired (4003). Every heartbeat interval: renews the TTLs of
/// this node's connection slots and presence entries, so that they outlive the node by at most one
/// TTL and no longer, and puts back those of live connections that the store lost (a Redis
/// restart, or renewals that failed for a whole TTL), so counts and presence are true again within
/// one interval.
/// </summary>
internal sealed class ConnectionSupervisor(
    ConnectionRegistry registry,
    IConnectionLimiter limiter,
    IPresenceStore presence,
    PresenceTracker tracker,
    IOptionsMonitor<ParleyOptions> options,
    TenantLimits tenantLimits,
    TimeProvider clock,
    ILogger<ConnectionSupervisor> logger) : BackgroundService
{
    /// <summary>
    /// Granularity of pings, idle and expiry checks: those deadlines are tens of seconds, so a
    /// second late is noise, and one pass over the connections a second is cheap.
    /// </summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>Slots and presence entries restored at once: pipelined on one Redis connection, yet bounded.</summary>
    private const int RestoreParallelism = 64;

    /// <summary>A restored slot is counted whatever the limits: its connection is already open.</summary>
    private static readonly ConnectionQuota Uncounted = new(Limit.Unlimited, Limit.Unlimited, Limit.Unlimited);

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
        var now = clock.GetTimestamp();
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
            else if (clock.GetElapsedTime(connection.LastActivity, now) > limits.IdleTimeout)
            {
                connection.Close(CloseReason.IdleTimeout, flush: false);
            }
            else if (clock.GetElapsedTime(connection.LastPingSent, now) >= limits.PingInterval)
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
            var missingSlots = await limiter.RenewAsync([.. connections.Select(c => c.Slot)], ttl, cancellationToken);
            if (missingSlots.Count > 0)
            {
                var byId = connections.ToDictionary(c => c.Id, StringComparer.Ordinal);
                await RestoreSlotsAsync([.. missingSlots.Select(s => byId[s.ConnectionId])], ttl, cancellationToken);
            }

            // A member still catching up has not been added to presence yet: its join adds it. Rooms
            // whose policy keeps no presence have no entries to renew.
            var rooms = connections
                .SelectMany(c => c.JoinedRooms.Values.ToList().Where(s => s.Buffer is null).Select(s => (Connection: c, Subscription: s, Member: new PresenceMember(c.Principal.User, c.Id))))
                .GroupBy(x => x.Subscription.Stream)
                .Where(room => tracker.Tracks(room.Key));
            var lostMembers = new List<(ClientConnection Connection, StreamSubscription Subscription)>();
            foreach (var room in rooms)
            {
                var members = room.ToList();
                var missing = await presence.RenewAsync(room.Key, [.. members.Select(x => x.Member)], ttl, cancellationToken);
                if (missing.Count > 0)
                {
                    var lost = missing.ToHashSet();
                    lostMembers.AddRange(members.Where(x => lost.Contains(x.Member)).Select(x => (x.Connection, x.Subscription)));
                }
            }

            if (lostMembers.Count > 0)
            {
                await RestorePresenceAsync(lostMembers, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SupervisorLog.RenewFailed(logger, e);
        }
    }

    /// <summary>
    /// Takes again the slots of live connections that the limiter lost (a Redis restart, or
    /// renewals that failed for a whole TTL), without checking the quota: the connections are
    /// open, and counting them is what keeps the next connections within the limits. A connection
    /// that closed meanwhile may have released its slot before it was taken again, so its slot is
    /// released once more afterwards.
    /// </summary>
    private async Task RestoreSlotsAsync(IReadOnlyList<ClientConnection> connections, TimeSpan ttl, CancellationToken cancellationToken)
    {
        SupervisorLog.RestoringSlots(logger, connections.Count);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = RestoreParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(connections.Where(c => !c.IsClosing), parallel, async (connection, token) =>
        {
            await limiter.TryAcquireAsync(connection.Slot, Uncounted, ttl, token);
            if (connection.IsClosing)
            {
                await limiter.ReleaseAsync(connection.Slot, token);
            }
        });
    }

    /// <summary>
    /// Adds again the presence entries of members still in their rooms that the store lost, as a
    /// join does (a user who was absent from the room's list is announced as joined). A member
    /// that left meanwhile is taken out again, as a leave does.
    /// </summary>
    private async Task RestorePresenceAsync(IReadOnlyList<(ClientConnection Connection, StreamSubscription Subscription)> subscriptions, CancellationToken cancellationToken)
    {
        SupervisorLog.RestoringPresence(logger, subscriptions.Count);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = RestoreParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(subscriptions.Where(IsMember), parallel, async (entry, _) =>
        {
            var member = new PresenceMember(entry.Connection.Principal.User, entry.Connection.Id);
            await tracker.JoinedAsync(entry.Subscription.Stream, member);
            if (!IsMember(entry))
            {
                await tracker.LeftAsync(entry.Subscription.Stream, member);
            }
        });
    }

    /// <summary>True while the subscription's connection is open and still holds it.</summary>
    private static bool IsMember((ClientConnection Connection, StreamSubscription Subscription) entry)
        => !entry.Connection.IsClosing
            && entry.Connection.JoinedRooms.TryGetValue(entry.Subscription.Stream.Name, out var current)
            && ReferenceEquals(current, entry.Subscription);
}

internal static partial class SupervisorLog
{
    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Renewing connection slots and presence failed; entries expire after their TTL unless the next heartbeat succeeds.")]
    public static partial void RenewFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "The connection limiter had lost the slots of {Count} live connections; taking them again.")]
    public static partial void RestoringSlots(ILogger logger, int count);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Presence had lost {Count} room memberships of live connections; adding them again.")]
    public static partial void RestoringPresence(ILogger logger, int count);
}
