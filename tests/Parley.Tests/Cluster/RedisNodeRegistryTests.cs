using Parley.Redis;
using Parley.Node.Cluster;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>
/// The node registry specification against a real redis-server shared by the class; time passes
/// for real, so the short TTL is short. Keys are isolated per test by prefix.
/// </summary>
public sealed class RedisNodeRegistryTests(SharedRedisServer redis) : NodeRegistrySpec, IClassFixture<SharedRedisServer>
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();

    // Real time on a shared machine: long enough that a late timer cannot flip a renewal test.
    protected override TimeSpan ShortTtl => TimeSpan.FromMilliseconds(3000);

    [Fact]
    public async Task Nodes_announced_through_separate_connections_see_each_other()
    {
        await using var other = await RedisConnection.ConnectAsync(redis.Options);
        var (here, there) = (await CreateRegistryAsync(), new RedisNodeRegistry(other, _prefix));
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
            async () => (await redis.Connection.ExecuteAsync("KEYS", _prefix + "*")).Items.Count == 0,
            "the entries and the index expired without anyone listing them");
    }

    protected override Task<INodeRegistry> CreateRegistryAsync() => Task.FromResult<INodeRegistry>(new RedisNodeRegistry(redis.Connection, _prefix));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);
}
