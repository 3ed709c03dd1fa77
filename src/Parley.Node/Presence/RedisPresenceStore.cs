using Parley.Redis;
using Parley.Node.Tenancy;

namespace Parley.Node.Presence;

/// <summary>
/// Presence of cluster mode, shared by every node. Per room a ZSET of users scored by the expiry
/// of their latest connection (<c>{prefix}p:{room}</c>), and per user in the room a ZSET of their
/// connection ids scored by expiry (<c>{prefix}p:{room}/{user}</c>; identifiers never contain '/').
/// Every operation is one Lua script: it removes expired entries first and then reads and writes
/// in one atomic step, with time taken from the Redis server, so nodes' clocks do not matter and
/// no two nodes can both see a user's "first" connection. Each key expires with its latest entry,
/// so the keys of a room everyone abandoned vanish by themselves.
/// </summary>
internal sealed class RedisPresenceStore(RedisConnection redis, string keyPrefix) : IPresenceStore
{
    private static readonly RedisScript Add = Script("presence_add.lua");
    private static readonly RedisScript Renew = Script("presence_renew.lua");
    private static readonly RedisScript Remove = Script("presence_remove.lua");
    private static readonly RedisScript List = Script("presence_list.lua");

    public async Task<bool> AddAsync(StreamId room, PresenceMember member, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await redis.EvalAsync(Add, [RoomKey(room), UserKey(room, member.User)], member.User, member.ConnectionId, Milliseconds(ttl));
        return reply.AsInt64() == 1;
    }

    public async Task<IReadOnlyList<PresenceMember>> RenewAsync(StreamId room, IReadOnlyList<PresenceMember> members, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (members.Count == 0)
        {
            return [];
        }

        var keys = new RedisArg[1 + members.Count];
        var args = new RedisArg[1 + (2 * members.Count)];
        keys[0] = RoomKey(room);
        args[0] = Milliseconds(ttl);
        for (var i = 0; i < members.Count; i++)
        {
            keys[1 + i] = UserKey(room, members[i].User);
            args[1 + (2 * i)] = members[i].User;
            args[2 + (2 * i)] = members[i].ConnectionId;
        }

        var missing = await redis.EvalAsync(Renew, keys, args);
        return [.. missing.Items.Select(i => members[checked((int)i.AsInt64()) - 1])];
    }

    public async Task<bool> RemoveAsync(StreamId room, PresenceMember member, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await redis.EvalAsync(Remove, [RoomKey(room), UserKey(room, member.User)], member.User, member.ConnectionId);
        return reply.AsInt64() == 1;
    }

    public async Task<IReadOnlyList<string>> ListAsync(StreamId room, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await redis.EvalAsync(List, [RoomKey(room)]);
        var users = reply.Items.Select(u => u.AsString()!).ToArray();
        Array.Sort(users, StringComparer.Ordinal);
        return users;
    }

    private string RoomKey(StreamId room) => $"{keyPrefix}p:{room.Key}";

    private string UserKey(StreamId room, string user) => $"{keyPrefix}p:{room.Key}/{user}";

    /// <summary>At least 1 ms: a zero TTL would make the entry expire in the same step it is added.</summary>
    private static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));

    private static RedisScript Script(string name) => RedisScript.FromResource(typeof(RedisPresenceStore).Assembly, name);
}
