using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Limits;

/// <summary>The Redis connection limiter suite on one redis-server shared by the class.</summary>
public sealed class RedisConnectionLimiterTests(SharedRedisServer redis) : RedisConnectionLimiterSuite(redis), IClassFixture<SharedRedisServer>;

/// <summary>
/// The connection limiter specification against a Redis deployment given by the concrete class;
/// time passes for real, so the short TTL is short. Keys are isolated per test by prefix.
/// </summary>
public abstract class RedisConnectionLimiterSuite(IRedisTestServer redis) : ConnectionLimiterSpec, IAsyncLifetime
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly RedisMetrics _metrics = new();
    private readonly List<ConnectionMultiplexer> _connections = [];

    // Real time on a shared machine: long enough that a late timer cannot flip a renewal test.
    protected override TimeSpan ShortTtl => TimeSpan.FromMilliseconds(3000);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _metrics.Dispose();
    }

    [Fact]
    public async Task Exactly_the_user_quota_of_200_concurrent_acquires_from_four_nodes_succeeds()
    {
        var nodes = await FourNodesAsync();
        var quota = new ConnectionQuota(Limit.Of(5), Limit.Of(50), Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => nodes[i % nodes.Length].TryAcquireAsync(Slot("alice", $"c{i}"), quota, LongTtl, default))));

        Assert.Equal(5, results.Count(r => r == SlotResult.Acquired));
        Assert.Equal(195, results.Count(r => r == SlotResult.UserLimitReached));
        Assert.Equal(5, await nodes[0].CountUserAsync(Tenant, "alice", default));
        Assert.Equal(5, await nodes[3].CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Exactly_the_tenant_quota_of_200_concurrent_acquires_from_four_nodes_succeeds()
    {
        var nodes = await FourNodesAsync();
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Of(7), Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => nodes[i % nodes.Length].TryAcquireAsync(Slot($"user-{i}", "c1"), quota, LongTtl, default))));

        Assert.Equal(7, results.Count(r => r == SlotResult.Acquired));
        Assert.Equal(193, results.Count(r => r == SlotResult.TenantLimitReached));
        Assert.Equal(7, await nodes[1].CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Exactly_the_online_user_quota_of_200_concurrent_acquires_from_four_nodes_succeeds()
    {
        var nodes = await FourNodesAsync();
        var quota = new ConnectionQuota(Limit.Of(5), Limit.Unlimited, Limit.Of(9));

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => nodes[i % nodes.Length].TryAcquireAsync(Slot($"user-{i}", "c1"), quota, LongTtl, default))));

        Assert.Equal(9, results.Count(r => r == SlotResult.Acquired));
        Assert.Equal(191, results.Count(r => r == SlotResult.OnlineUsersLimitReached));
        Assert.Equal(9, await nodes[2].CountOnlineUsersAsync(Tenant, default));
    }

    [Fact]
    public async Task The_slots_of_a_dead_node_expire_and_its_places_go_to_a_live_node()
    {
        var (dead, live) = (await NodeAsync(), await NodeAsync());
        var quota = new ConnectionQuota(Limit.Of(2), Limit.Of(3), Limit.Unlimited);
        await dead.TryAcquireAsync(Slot("alice", "c1"), quota, ShortTtl, default);
        await dead.TryAcquireAsync(Slot("alice", "c2"), quota, ShortTtl, default);
        await live.TryAcquireAsync(Slot("bob", "c3"), quota, ShortTtl, default);
        Assert.Equal(SlotResult.UserLimitReached, await live.TryAcquireAsync(Slot("alice", "c4"), quota, LongTtl, default));

        // The live node keeps renewing its slot; the dead one never does again.
        await PassTimeAsync(ShortTtl * 0.55);
        await live.RenewAsync([Slot("bob", "c3")], ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.55);
        await live.RenewAsync([Slot("bob", "c3")], ShortTtl, default);

        Assert.Equal(0, await live.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await live.CountTenantAsync(Tenant, default));
        Assert.Equal(SlotResult.Acquired, await live.TryAcquireAsync(Slot("alice", "c4"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await live.TryAcquireAsync(Slot("alice", "c5"), quota, LongTtl, default));
        Assert.Equal(SlotResult.TenantLimitReached, await live.TryAcquireAsync(Slot("carol", "c6"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Renewing_slots_of_several_tenants_at_once_renews_each()
    {
        var limiter = await CreateLimiterAsync();
        var other = Tenant + "x";
        var unlimited = new ConnectionQuota(Limit.Unlimited, Limit.Unlimited, Limit.Unlimited);
        ConnectionSlot[] slots = [Slot("alice", "c1"), Slot("bob", "c2"), new(other, "alice", "c3")];
        foreach (var slot in slots)
        {
            await limiter.TryAcquireAsync(slot, unlimited, ShortTtl, default);
        }

        await PassTimeAsync(ShortTtl * 0.5);
        await limiter.RenewAsync(slots, ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        Assert.Equal(2, await limiter.CountTenantAsync(Tenant, default));
        Assert.Equal(1, await limiter.CountUserAsync(other, "alice", default));
    }

    [Fact]
    public async Task Keys_of_a_tenant_with_no_slot_left_are_gone_from_redis()
    {
        var limiter = await CreateLimiterAsync();
        var unlimited = new ConnectionQuota(Limit.Unlimited, Limit.Unlimited, Limit.Unlimited);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), unlimited, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("bob", "c2"), unlimited, ShortTtl, default);

        await limiter.ReleaseAsync(Slot("alice", "c1"), default);

        await Eventually.TrueAsync(
            async () => (await RedisTestConnections.KeysAsync(redis.Connection, _prefix)).Count == 0,
            "every limiter key vanished, the unreleased slot's by expiry");
    }

    [Fact]
    public async Task Slots_are_taken_counted_and_released_after_redis_forgot_its_scripts()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Unlimited, Limit.Unlimited);
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));

        await RedisTestConnections.FlushScriptsAsync(redis.Connection);

        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default));
        Assert.Empty(await limiter.RenewAsync([Slot("alice", "c1")], LongTtl, default));
        await limiter.ReleaseAsync(Slot("alice", "c1"), default);
        Assert.Equal(0, await limiter.CountUserAsync(Tenant, "alice", default));
    }

    protected override Task<IConnectionLimiter> CreateLimiterAsync() => Task.FromResult<IConnectionLimiter>(new RedisConnectionLimiter(redis.Connection, new RedisKeys(_prefix), _metrics));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>A limiter with its own connection, as another node would have.</summary>
    private async Task<IConnectionLimiter> NodeAsync()
    {
        var connection = await RedisTestConnections.ConnectAsync(redis.Configuration, allowAdmin: false);
        _connections.Add(connection);
        return new RedisConnectionLimiter(connection, new RedisKeys(_prefix), _metrics);
    }

    private async Task<IConnectionLimiter[]> FourNodesAsync() => [await NodeAsync(), await NodeAsync(), await NodeAsync(), await NodeAsync()];
}
