using Parley.Node.Observability;
using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Node.Limits;

/// <summary>
/// Connection slots of cluster mode, counted across every node. Per tenant a ZSET of
/// <c>{user}/{connection}</c> (<see cref="RedisKeys.TenantSlots"/>) and per user in the tenant a
/// ZSET of connection ids (<see cref="RedisKeys.UserSlots"/>), each entry scored by its expiry; per
/// tenant a ZSET of its online users (<see cref="RedisKeys.OnlineUsers"/>), each scored by the
/// expiry of that user's latest slot, so a user goes offline with their last slot. All three carry
/// the tenant as hash tag, so on a Redis Cluster a tenant's scripts run on one shard.
/// Acquire is one Lua script that drops expired entries, checks the user's limit, the tenant's,
/// then the online users', and adds to all three: atomic, so 200 nodes racing for the last place
/// admit exactly one. Renew and release keep the online ZSET in step in the same scripts. Time
/// comes from the Redis server, so nodes' clocks do not matter; a node that dies stops renewing and
/// its slots expire by themselves, as do the keys of a tenant with none left.
/// </summary>
internal sealed class RedisConnectionLimiter(IConnectionMultiplexer redis, RedisKeys keys, RedisMetrics metrics) : IConnectionLimiter
{
    private static readonly RedisScript Acquire = Script("slot_acquire.lua");
    private static readonly RedisScript Renew = Script("slot_renew.lua");
    private static readonly RedisScript Release = Script("slot_release.lua");
    private static readonly RedisScript Count = Script("slot_count.lua");

    public async Task<SlotResult> TryAcquireAsync(ConnectionSlot slot, ConnectionQuota quota, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Acquire.EvaluateAsync(
            Database,
            metrics,
            [keys.TenantSlots(slot.Tenant), keys.UserSlots(slot.Tenant, slot.User), keys.OnlineUsers(slot.Tenant)],
            slot.User,
            slot.ConnectionId,
            Milliseconds(ttl),
            ScriptLimit(quota.PerUser),
            ScriptLimit(quota.PerTenant),
            ScriptLimit(quota.OnlineUsersPerTenant));
        return (long)reply switch
        {
            0 => SlotResult.Acquired,
            1 => SlotResult.UserLimitReached,
            2 => SlotResult.TenantLimitReached,
            3 => SlotResult.OnlineUsersLimitReached,
            var other => throw new InvalidOperationException($"The slot script answered {other}, which is no result it defines."),
        };
    }

    /// <summary>One script per tenant (its keys are all it touches), issued together.</summary>
    public async Task<IReadOnlyList<ConnectionSlot>> RenewAsync(IReadOnlyList<ConnectionSlot> slots, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ttlMs = Milliseconds(ttl);
        var renewals = slots.GroupBy(s => s.Tenant, StringComparer.Ordinal).Select(async tenant =>
        {
            var held = tenant.ToArray();
            var scriptKeys = new RedisKey[2 + held.Length];
            var args = new RedisValue[1 + (2 * held.Length)];
            scriptKeys[0] = keys.TenantSlots(tenant.Key);
            scriptKeys[1] = keys.OnlineUsers(tenant.Key);
            args[0] = ttlMs;
            for (var i = 0; i < held.Length; i++)
            {
                scriptKeys[2 + i] = keys.UserSlots(tenant.Key, held[i].User);
                args[1 + (2 * i)] = held[i].User;
                args[2 + (2 * i)] = held[i].ConnectionId;
            }

            var missing = (long[])(await Renew.EvaluateAsync(Database, metrics, scriptKeys, args))!;
            return missing.Select(j => held[checked((int)j) - 1]);
        }).ToArray();
        return [.. (await Task.WhenAll(renewals)).SelectMany(m => m)];
    }

    public async Task ReleaseAsync(ConnectionSlot slot, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Release.EvaluateAsync(Database, metrics, [keys.TenantSlots(slot.Tenant), keys.UserSlots(slot.Tenant, slot.User), keys.OnlineUsers(slot.Tenant)], slot.User, slot.ConnectionId);
    }

    public Task<int> CountUserAsync(string tenant, string user, CancellationToken cancellationToken) => CountAsync(keys.UserSlots(tenant, user), cancellationToken);

    public Task<int> CountTenantAsync(string tenant, CancellationToken cancellationToken) => CountAsync(keys.TenantSlots(tenant), cancellationToken);

    public Task<int> CountOnlineUsersAsync(string tenant, CancellationToken cancellationToken) => CountAsync(keys.OnlineUsers(tenant), cancellationToken);

    private async Task<int> CountAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await Count.EvaluateAsync(Database, metrics, [key]);
        return checked((int)(long)reply);
    }

    private IDatabaseAsync Database => redis.GetDatabase();

    /// <summary>The scripts' form of a limit: the quota, or -1 for unlimited.</summary>
    private static long ScriptLimit(Limit limit) => limit.Quota ?? -1;

    /// <summary>At least 1 ms: a zero TTL would make the slot expire in the same step it is taken.</summary>
    private static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));

    private static RedisScript Script(string name) => RedisScript.FromResource(typeof(RedisConnectionLimiter).Assembly, name);
}
