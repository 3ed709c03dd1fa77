using Parley.Node.Tenancy;

namespace Parley.Node.Presence;

/// <summary>
/// Who is in a room now. A member is one connection of a user; a user is present while at least
/// one of their connections is. Entries expire after their TTL unless renewed, so the members of a
/// node that died disappear by themselves.
/// </summary>
public interface IPresenceStore
{
    /// <summary>Adds or renews a connection. True when the user was not present before (a "joined" event).</summary>
    Task<bool> AddAsync(StreamId room, PresenceMember member, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the TTL of connections present and returns those it did not find: expired, or lost
    /// with the store (a Redis restart). Those are left missing; the caller adds again the ones
    /// still in the room, so a live member is never left out of presence.
    /// </summary>
    Task<IReadOnlyList<PresenceMember>> RenewAsync(StreamId room, IReadOnlyList<PresenceMember> members, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Removes a connection. True when it was the user's last one (a "left" event).</summary>
    Task<bool> RemoveAsync(StreamId room, PresenceMember member, CancellationToken cancellationToken);

    /// <summary>Users with at least one unexpired connection, sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(StreamId room, CancellationToken cancellationToken);
}

/// <summary>One connection of a user in a room.</summary>
public readonly record struct PresenceMember(string User, string ConnectionId);
