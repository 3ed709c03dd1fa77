using Parley.Node.Presence;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Presence;

/// <summary>
/// The presence specification against a real redis-server shared by the class; time passes for
/// real, so the short TTL is short. Keys are isolated per test by prefix.
/// </summary>
public sealed class RedisPresenceStoreTests(SharedRedisServer redis) : PresenceStoreSpec, IClassFixture<SharedRedisServer>
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();

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

        var ttl = (await redis.Connection.ExecuteAsync("PTTL", $"{_prefix}p:{room.Key}")).AsInt64();
        var aliceTtl = (await redis.Connection.ExecuteAsync("PTTL", $"{_prefix}p:{room.Key}/alice")).AsInt64();

        Assert.InRange(ttl, 110_000, 120_000);
        Assert.InRange(aliceTtl, 50_000, 60_000);
    }

    protected override Task<IPresenceStore> CreateStoreAsync() => Task.FromResult<IPresenceStore>(new RedisPresenceStore(redis.Connection, _prefix));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    private async Task<IReadOnlyList<string>> KeysAsync()
    {
        var reply = await redis.Connection.ExecuteAsync("KEYS", _prefix + "*");
        return [.. reply.Items.Select(k => k.AsString()!)];
    }
}
