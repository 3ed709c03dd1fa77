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
/// </summary>
internal sealed class PresenceTracker(IPresenceStore store, MessagePublisher publisher, IOptions<ParleyOptions> options, ILogger<PresenceTracker> logger)
{
    private readonly TimeSpan _ttl = options.Value.Presence.Ttl;

    public async Task JoinedAsync(StreamId room, PresenceMember member)
    {
        try
        {
            if (await store.AddAsync(room, member, _ttl, CancellationToken.None))
            {
                await publisher.PublishEphemeralAsync(room, ServerFrames.PresenceChange(room.Name, [member.User], []), "", "presence");
            }
        }
        catch (Exception e)
        {
            PresenceLog.UpdateFailed(logger, room.Key, e);
        }
    }

    public async Task LeftAsync(StreamId room, PresenceMember member)
    {
        try
        {
            if (await store.RemoveAsync(room, member, CancellationToken.None))
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
