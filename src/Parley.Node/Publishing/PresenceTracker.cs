using Microsoft.Extensions.Options;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Protocol;
using Parley.Node.Tenancy;

namespace Parley.Node.Publishing;

/// <summary>
/// Keeps the presence store in step with joins and leaves and announces changes to the room as
/// ephemeral <c>presence</c> events. A user joins a room with their first connection in it and
/// leaves it with their last. Presence is best effort: a store failure is logged, never fails a join.
/// A room's policy may turn presence off (nothing is written to the presence store) or only its
/// events (the list is kept, members are not told of changes).
/// </summary>
internal sealed class PresenceTracker(IPresenceStore store, MessagePublisher publisher, RoomPolicies policies, IOptions<ParleyOptions> options, ILogger<PresenceTracker> logger)
{
    private readonly TimeSpan _ttl = options.Value.Presence.Ttl;

    /// <summary>Whether the room keeps a presence list (its policy's <see cref="RoomPolicy.Presence"/>).</summary>
    public bool Tracks(StreamId room) => policies.For(room).Presence;

    public async Task JoinedAsync(StreamId room, PresenceMember member)
    {
        var policy = policies.For(room);
        if (!policy.Presence)
        {
            return;
        }

        try
        {
            if (await store.AddAsync(room, member, _ttl, CancellationToken.None) && policy.AnnouncesPresence)
            {
                await publisher.PublishEphemeralAsync(room, ServerFrames.PresenceChange(room.Name, [member.User], []), "", "presence");
            }
        }
        catch (Exception e)
        {
            PresenceLog.UpdateFailed(logger, room.Key, e);
        }
    }

    /// <summary>
    /// Removes the member's entry. A room without presence costs the presence store nothing; an entry
    /// written before its presence was turned off is no longer renewed and expires within the TTL.
    /// </summary>
    public async Task LeftAsync(StreamId room, PresenceMember member)
    {
        var policy = policies.For(room);
        if (!policy.Presence)
        {
            return;
        }

        try
        {
            if (await store.RemoveAsync(room, member, CancellationToken.None) && policy.AnnouncesPresence)
            {
                await publisher.PublishEphemeralAsync(room, ServerFrames.PresenceChange(room.Name, [], [member.User]), "", "presence");
            }
        }
        catch (Exception e)
        {
            PresenceLog.UpdateFailed(logger, room.Key, e);
        }
    }
}

internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "Updating presence of {Room} failed.")]
    public static partial void UpdateFailed(ILogger logger, string room, Exception exception);
}
