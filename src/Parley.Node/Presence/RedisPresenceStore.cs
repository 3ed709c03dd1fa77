using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Tenancy;
using StackExchange.Redis;

namespace Parley.Node.Presence;

/// <summary>
/// Presence of cluster mode, shared by every node. Per room a ZSET of users scored by the expiry
/// of their latest connection, and per user in the room a ZSET of their connection ids scored by
/// expiry (<see cref="RedisKeys.PresenceRoom"/>, <see cref="RedisKeys.PresenceUser"/>: both tagged
/// with the room, so on a Redis Cluster they share a slot). Every operation is one Lua script: it
/// removes expired entries first and then reads and writes in one atomic step, with time taken
/// from the Redis server, so nodes' clocks do not matter and no two nodes can both see a user's
/// "first" connection. Each key expires with its latest entry, so the keys of a room everyone
/// abandoned vanish by themselves.
/// </summary>
internal sealed class RedisPresenceStore(IConnectionMultiplexer redis, RedisKeys keys, RedisMetrics metrics) : IPresenceStore
{
    private static readonly RedisScript Add = Script("presence_add.lua");
    private static readonly RedisScript Renew = Script("presence_renew.lua");
    private static readonly RedisScript Remove = Script("presence_remove.lua");
    private static readonly RedisScript List = Script("presence_list.lua");

    private IDatabaseAsync Database => redis.GetDatabase();

    public async Task<bool> AddAsync(StreamId room, PresenceMember member, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Add.EvaluateAsync(Database, metrics, [keys.PresenceRoom(room.Key), keys.PresenceUser(room.Key, member.User)], member.User, member.ConnectionId, Milliseconds(ttl));
        return (long)reply == 1;
    }

    public async Task<IReadOnlyList<PresenceMember>> RenewAsync(StreamId room, IReadOnlyList<PresenceMember> members, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (members.Count == 0)
        {
            return [];
        }

        var scriptKeys = new RedisKey[1 + members.Count];
        var args = new RedisValue[1 + (2 * members.Count)];
        scriptKeys[0] = keys.PresenceRoom(room.Key);
        args[0] = Milliseconds(ttl);
        for (var i = 0; i < members.Count; i++)
        {
            scriptKeys[1 + i] = keys.PresenceUser(room.Key, members[i].User);
            args[1 + (2 * i)] = members[i].User;
            args[2 + (2 * i)] = members[i].ConnectionId;
        }

        var missing = (long[])(await Renew.EvaluateAsync(Database, metrics, scriptKeys, args))!;
        return [.. missing.Select(i => members[checked((int)i) - 1])];
    }

    public async Task<bool> RemoveAsync(StreamId room, PresenceMember member, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Remove.EvaluateAsync(Database, metrics, [keys.PresenceRoom(room.Key), keys.PresenceUser(room.Key, member.User)], member.User, member.ConnectionId);
        return (long)reply == 1;
    }

    public async Task<IReadOnlyList<string>> ListAsync(StreamId room, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var users = (string[])(await List.EvaluateAsync(Database, metrics, [keys.PresenceRoom(room.Key)]))!;
        Array.Sort(users, StringComparer.Ordinal);
        return users;
    }

    /// <summary>At least 1 ms: a zero TTL would make the entry expire in the same step it is added.</summary>
    private static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));

    private static RedisScript Script(string name) => RedisScript.FromResource(typeof(RedisPresenceStore).Assembly, name);
}
