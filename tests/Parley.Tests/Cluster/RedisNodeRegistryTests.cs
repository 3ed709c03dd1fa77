using Parley.Node.Cluster;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>The Redis node registry suite on one redis-server shared by the class.</summary>
public sealed class RedisNodeRegistryTests(SharedRedisServer redis) : RedisNodeRegistrySuite(redis), IClassFixture<SharedRedisServer>;

/// <summary>
/// The node registry specification against a Redis deployment given by the concrete class; time
/// passes for real, so the short TTL is short. Keys are isolated per test by prefix.
/// </summary>
public abstract class RedisNodeRegistrySuite(IRedisTestServer redis) : NodeRegistrySpec
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly RedisMetrics _metrics = new();

    // Real time on a shared machine: long enough that a late timer cannot flip a renewal test.
    protected override TimeSpan ShortTtl => TimeSpan.FromMilliseconds(3000);

    [Fact]
    public async Task Nodes_announced_through_separate_connections_see_each_other()
    {
        await using var other = await RedisTestConnections.ConnectAsync(redis.Configuration, allowAdmin: false);
        var (here, there) = (await CreateRegistryAsync(), new RedisNodeRegistry(other, new RedisKeys(_prefix), _metrics));
        var now = DateTimeOffset.UnixEpoch;
        await here.AnnounceAsync(new NodeInfo("n-a", now, 1, now), LongTtl, default);
        await there.AnnounceAsync(new NodeInfo("n-b", now, 2, now), LongTtl, default);

        Assert.Equal(["n-a", "n-b"], (await there.ListAsync(default)).Select(n => n.Id));
        Assert.Equal(["n-a", "n-b"], (await here.ListAsync(default)).Select(n => n.Id));
    }

    [Fact]
    public async Task Every_key_of_a_cluster_whose_nodes_all_stopped_announcing_expires()
    {
        var registry = await CreateRegistryAsync();
        var now = DateTimeOffset.UnixEpoch;
        await registry.AnnounceAsync(new NodeInfo("n-a", now, 0, now), ShortTtl, default);
        await registry.AnnounceAsync(new NodeInfo("n-b", now, 0, now), ShortTtl, default);

        await Eventually.TrueAsync(
            async () => (await RedisTestConnections.KeysAsync(redis.Connection, _prefix)).Count == 0,
            "the entries and the index expired without anyone listing them");
    }

    [Fact]
    public async Task The_registry_works_on_after_redis_forgot_its_scripts()
    {
        var registry = await CreateRegistryAsync();
        var now = DateTimeOffset.UnixEpoch;
        await registry.AnnounceAsync(new NodeInfo("n-a", now, 1, now), LongTtl, default);

        await RedisTestConnections.FlushScriptsAsync(redis.Connection);

        await registry.AnnounceAsync(new NodeInfo("n-b", now, 2, now), LongTtl, default);
        Assert.Equal(["n-a", "n-b"], (await registry.ListAsync(default)).Select(n => n.Id));
    }

    protected override Task<INodeRegistry> CreateRegistryAsync() => Task.FromResult<INodeRegistry>(new RedisNodeRegistry(redis.Connection, new RedisKeys(_prefix), _metrics));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);
}
