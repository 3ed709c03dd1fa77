using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Presence;

/// <summary>The Redis presence suite on one redis-server shared by the class.</summary>
public sealed class RedisPresenceStoreTests(SharedRedisServer redis) : RedisPresenceStoreSuite(redis), IClassFixture<SharedRedisServer>;

/// <summary>
/// The presence specification against a Redis deployment given by the concrete class; time passes
/// for real, so the short TTL is short. Keys are isolated per test by prefix.
/// </summary>
public abstract class RedisPresenceStoreSuite(IRedisTestServer redis) : PresenceStoreSpec
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly RedisMetrics _metrics = new();

    // Real time on a shared machine: long enough that a late timer cannot flip a renewal test.
    protected override TimeSpan ShortTtl => TimeSpan.FromMilliseconds(3000);

    [Fact]
    public async Task Nodes_adding_the_same_user_at_once_see_exactly_one_join()
    {
        var nodes = new[] { await CreateStoreAsync(), await CreateStoreAsync(), await CreateStoreAsync() };
        var room = Room("general");

        var joins = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            Task.Run(() => nodes[i % nodes.Length].AddAsync(room, new("alice", $"c{i}"), LongTtl, default))));

        Assert.Equal(1, joins.Count(joined => joined));
        Assert.Equal(["alice"], await nodes[0].ListAsync(room, default));
    }

    [Fact]
    public async Task The_keys_of_rooms_everyone_left_or_abandoned_are_gone_from_redis()
    {
        var store = await CreateStoreAsync();
        var (left, abandoned) = (Room("left"), Room("abandoned"));
        await store.AddAsync(left, new("alice", "c1"), LongTtl, default);
        await store.AddAsync(left, new("alice", "c2"), LongTtl, default);
        await store.AddAsync(left, new("bob", "c3"), LongTtl, default);
        await store.AddAsync(left, new("bob", "c4"), ShortTtl, default);
        await store.AddAsync(abandoned, new("carol", "c5"), ShortTtl, default);
        Assert.Equal(5, (await KeysAsync()).Count);

        await store.RemoveAsync(left, new("alice", "c1"), default);
        await store.RemoveAsync(left, new("alice", "c2"), default);
        await store.RemoveAsync(left, new("bob", "c3"), default);

        await Eventually.TrueAsync(async () => (await KeysAsync()).Count == 0, "every presence key vanished, those of unremoved connections by expiry");
    }

    [Fact]
    public async Task A_room_key_expires_with_its_latest_connection()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), TimeSpan.FromSeconds(60), default);
        await store.AddAsync(room, new("bob", "c2"), TimeSpan.FromSeconds(120), default);

        var keys = new RedisKeys(_prefix);
        var ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(keys.PresenceRoom(room.Key));
        var aliceTtl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(keys.PresenceUser(room.Key, "alice"));

        Assert.InRange(ttl!.Value.TotalMilliseconds, 110_000, 120_000);
        Assert.InRange(aliceTtl!.Value.TotalMilliseconds, 50_000, 60_000);
    }

    [Fact]
    public async Task Presence_works_on_after_redis_forgot_its_scripts()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        Assert.True(await store.AddAsync(room, new("alice", "c1"), LongTtl, default));

        await RedisTestConnections.FlushScriptsAsync(redis.Connection);

        Assert.True(await store.AddAsync(room, new("bob", "c2"), LongTtl, default));
        Assert.Equal(["alice", "bob"], await store.ListAsync(room, default));
        Assert.Empty(await store.RenewAsync(room, [new("alice", "c1")], LongTtl, default));
        Assert.True(await store.RemoveAsync(room, new("bob", "c2"), default));
    }

    protected override Task<IPresenceStore> CreateStoreAsync() => Task.FromResult<IPresenceStore>(new RedisPresenceStore(redis.Connection, new RedisKeys(_prefix), _metrics));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    private Task<IReadOnlyList<string>> KeysAsync() => RedisTestConnections.KeysAsync(redis.Connection, _prefix);
}
