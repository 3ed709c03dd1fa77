using Parley.Node.Presence;
using Parley.Node.Tenancy;

namespace Parley.Tests.Presence;

/// <summary>
/// What every <see cref="IPresenceStore"/> must do. An implementation derives from this suite and
/// says how to create a store and how time passes for it: a fake clock in memory, real waiting
/// against a server. Entries that must expire are added with <see cref="ShortTtl"/>; the others
/// with <see cref="LongTtl"/>. Tenants are unique per test, so a shared server can run the suite.
/// </summary>
public abstract class PresenceStoreSpec
{
    /// <summary>A TTL the tests outlive on purpose; short when time passes for real.</summary>
    protected abstract TimeSpan ShortTtl { get; }

    /// <summary>A TTL no test outlives.</summary>
    protected static TimeSpan LongTtl { get; } = TimeSpan.FromMinutes(10);

    protected string Tenant { get; } = "t" + Guid.NewGuid().ToString("N");

    protected abstract Task<IPresenceStore> CreateStoreAsync();

    /// <summary>Lets <paramref name="duration"/> pass for the store's clock.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    [Fact]
    public async Task First_connection_of_a_user_is_a_join_and_further_ones_are_not()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");

        Assert.True(await store.AddAsync(room, new("alice", "c1"), LongTtl, default));
        Assert.False(await store.AddAsync(room, new("alice", "c2"), LongTtl, default));
        Assert.True(await store.AddAsync(room, new("bob", "c3"), LongTtl, default));
        Assert.Equal(["alice", "bob"], await store.ListAsync(room, default));
    }

    [Fact]
    public async Task Adding_a_connection_again_renews_it_without_counting_it_twice()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");

        Assert.True(await store.AddAsync(room, new("alice", "c1"), LongTtl, default));
        Assert.False(await store.AddAsync(room, new("alice", "c1"), LongTtl, default));

        Assert.True(await store.RemoveAsync(room, new("alice", "c1"), default));
        Assert.Empty(await store.ListAsync(room, default));
    }

    [Fact]
    public async Task User_leaves_only_when_their_last_connection_is_removed()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), LongTtl, default);
        await store.AddAsync(room, new("alice", "c2"), LongTtl, default);

        Assert.False(await store.RemoveAsync(room, new("alice", "c1"), default));
        Assert.Equal(["alice"], await store.ListAsync(room, default));
        Assert.True(await store.RemoveAsync(room, new("alice", "c2"), default));
        Assert.Empty(await store.ListAsync(room, default));
    }

    [Fact]
    public async Task Removing_a_connection_that_is_not_present_is_not_a_leave()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), LongTtl, default);

        Assert.False(await store.RemoveAsync(room, new("alice", "c9"), default));
        Assert.False(await store.RemoveAsync(room, new("bob", "c1"), default));
        Assert.False(await store.RemoveAsync(Room("empty"), new("alice", "c1"), default));
        Assert.True(await store.RemoveAsync(room, new("alice", "c1"), default));
        Assert.False(await store.RemoveAsync(room, new("alice", "c1"), default));
    }

    [Fact]
    public async Task List_names_each_present_user_once_sorted_ordinally()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        foreach (var (user, connection) in new[] { ("carol", "c1"), ("bob", "c2"), ("alice", "c3"), ("Bob", "c4"), ("alice", "c5"), ("_x", "c6"), ("9z", "c7") })
        {
            await store.AddAsync(room, new(user, connection), LongTtl, default);
        }

        Assert.Equal(["9z", "Bob", "_x", "alice", "bob", "carol"], await store.ListAsync(room, default));
    }

    [Fact]
    public async Task A_room_no_one_joined_lists_no_one()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.ListAsync(Room("empty"), default));
    }

    [Fact]
    public async Task Connections_expire_after_their_ttl()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), ShortTtl, default);
        await store.AddAsync(room, new("bob", "c2"), LongTtl, default);

        await PassTimeAsync(ShortTtl * 2);

        Assert.Equal(["bob"], await store.ListAsync(room, default));
        Assert.True(await store.AddAsync(room, new("alice", "c1"), LongTtl, default));
    }

    [Fact]
    public async Task User_stays_present_while_one_connection_is_unexpired()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), ShortTtl, default);
        await store.AddAsync(room, new("alice", "c2"), LongTtl, default);

        await PassTimeAsync(ShortTtl * 2);

        Assert.Equal(["alice"], await store.ListAsync(room, default));
        Assert.True(await store.RemoveAsync(room, new("alice", "c2"), default));
    }

    [Fact]
    public async Task Removing_an_expired_connection_is_not_a_leave()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), ShortTtl, default);

        await PassTimeAsync(ShortTtl * 2);

        Assert.False(await store.RemoveAsync(room, new("alice", "c1"), default));
    }

    [Fact]
    public async Task Renewed_connections_outlive_their_first_ttl()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), ShortTtl, default);
        await store.AddAsync(room, new("bob", "c2"), ShortTtl, default);

        await PassTimeAsync(ShortTtl * 0.5);
        await store.RenewAsync(room, [new("alice", "c1")], ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        Assert.Equal(["alice"], await store.ListAsync(room, default));
    }

    [Fact]
    public async Task Renewing_reports_the_connections_it_did_not_find_and_leaves_them_out()
    {
        var store = await CreateStoreAsync();
        var room = Room("general");
        await store.AddAsync(room, new("alice", "c1"), ShortTtl, default);
        await store.AddAsync(room, new("carol", "c3"), LongTtl, default);

        await PassTimeAsync(ShortTtl * 2);
        var missing = await store.RenewAsync(room, [new("alice", "c1"), new("carol", "c3"), new("bob", "c2")], LongTtl, default);

        Assert.Equal([new("alice", "c1"), new("bob", "c2")], missing);
        Assert.Equal(["carol"], await store.ListAsync(room, default));
    }

    [Fact]
    public async Task Rooms_of_different_tenants_are_separate()
    {
        var store = await CreateStoreAsync();
        var ours = Room("general");
        var theirs = StreamId.Room(Tenant + "x", "general");

        Assert.True(await store.AddAsync(ours, new("alice", "c1"), LongTtl, default));
        Assert.Empty(await store.ListAsync(theirs, default));
        Assert.True(await store.AddAsync(theirs, new("alice", "c1"), LongTtl, default));
        Assert.True(await store.RemoveAsync(theirs, new("alice", "c1"), default));

        Assert.Equal(["alice"], await store.ListAsync(ours, default));
    }

    [Fact]
    public async Task A_connection_in_several_rooms_is_present_in_each_separately()
    {
        var store = await CreateStoreAsync();
        var (general, random) = (Room("general"), Room("random"));
        await store.AddAsync(general, new("alice", "c1"), LongTtl, default);
        Assert.True(await store.AddAsync(random, new("alice", "c1"), LongTtl, default));

        Assert.True(await store.RemoveAsync(general, new("alice", "c1"), default));

        Assert.Empty(await store.ListAsync(general, default));
        Assert.Equal(["alice"], await store.ListAsync(random, default));
    }

    protected StreamId Room(string name) => StreamId.Room(Tenant, name);
}
