namespace Parley.Node.Options;

/// <summary>
/// Every Redis key and channel name Parley uses, in one place, all under
/// <c>Parley:Redis:KeyPrefix</c> (<c>P</c> below; it may not contain braces).
/// <para>
/// Keys one Lua script touches together carry the same hash tag (the part in braces), so on a
/// Redis Cluster they live in one slot and every script runs on one shard, atomically:
/// </para>
/// <list type="table">
/// <item><term><c>P s:{topic}</c></term><description>channel: one per stream topic; sharded pub/sub (SPUBLISH) on a Redis Cluster, so a message goes only to the shard owning it</description></item>
/// <item><term><c>P p:{room}</c>, <c>P p:{room}/user</c></term><description>presence: the room's users, and one user's connections in it (tag: the room)</description></item>
/// <item><term><c>P c:{tenant}</c>, <c>P c:{tenant}/user</c>, <c>P u:{tenant}</c></term><description>connection slots: the tenant's, one user's, the tenant's online users (tag: the tenant)</description></item>
/// <item><term><c>P r:{tenant}</c></term><description>the tenant's publish rate (GCRA state)</description></item>
/// <item><term><c>P {nodes}</c>, <c>P {nodes}:id</c></term><description>the node registry's index and each node's entry (one tag for all, so the list is one MGET)</description></item>
/// </list>
/// Identifiers never contain braces or '/', so no name can end another's tag or pose as another's key.
/// </summary>
internal sealed class RedisKeys
{
    public RedisKeys(string prefix)
    {
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("A Redis key prefix may not contain braces: Parley's keys use them as hash tags.", nameof(prefix));
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>The pub/sub channel of a stream's topic.</summary>
    public string Channel(string topic) => $"{Prefix}s:{topic}";

    /// <summary>ZSET of a room's present users, each scored by the expiry of their latest connection (ms).</summary>
    /// <param name="room">The room's stream key (<c>t/{tenant}/r/{room}</c>).</param>
    public string PresenceRoom(string room) => $"{Prefix}p:{{{room}}}";

    /// <summary>ZSET of one user's connection ids in a room, each scored by its expiry (ms).</summary>
    public string PresenceUser(string room, string user) => $"{Prefix}p:{{{room}}}/{user}";

    /// <summary>ZSET of a tenant's slots as <c>user/connection</c>, each scored by its expiry (ms).</summary>
    public string TenantSlots(string tenant) => $"{Prefix}c:{{{tenant}}}";

    /// <summary>ZSET of one user's connection ids in a tenant, each scored by its expiry (ms).</summary>
    public string UserSlots(string tenant, string user) => $"{Prefix}c:{{{tenant}}}/{user}";

    /// <summary>ZSET of a tenant's online users, each scored by the expiry of their latest slot (ms).</summary>
    public string OnlineUsers(string tenant) => $"{Prefix}u:{{{tenant}}}";

    /// <summary>String: the tenant's theoretical arrival time in microseconds of server time.</summary>
    public string PublishRate(string tenant) => $"{Prefix}r:{{{tenant}}}";

    /// <summary>ZSET of node ids, each scored by when its entry expires (ms).</summary>
    public string NodeIndex => $"{Prefix}{{nodes}}";

    /// <summary>String: a node's NodeInfo as JSON, expiring with its TTL.</summary>
    public string Node(string nodeId) => $"{Prefix}{{nodes}}:{nodeId}";
}
