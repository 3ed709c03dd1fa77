using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Options;

/// <summary>The key layout's promise to a Redis Cluster: what one script touches lives in one slot.</summary>
public sealed class RedisKeysTests(OneShardRedisCluster redis) : IClassFixture<OneShardRedisCluster>
{
    private readonly RedisKeys _keys = new("parley:");

    [Fact]
    public void A_rooms_presence_keys_share_one_slot()
    {
        const string room = "t/acme/r/general";

        Assert.Equal(Slot(_keys.PresenceRoom(room)), Slot(_keys.PresenceUser(room, "alice")));
        Assert.Equal(Slot(_keys.PresenceRoom(room)), Slot(_keys.PresenceUser(room, "bob")));
    }

    [Fact]
    public void A_tenants_slot_online_and_rate_keys_share_one_slot()
    {
        var tenant = Slot(_keys.TenantSlots("acme"));

        Assert.Equal(tenant, Slot(_keys.UserSlots("acme", "alice")));
        Assert.Equal(tenant, Slot(_keys.OnlineUsers("acme")));
        Assert.Equal(tenant, Slot(_keys.PublishRate("acme")));
    }

    [Fact]
    public void The_registry_index_and_every_node_entry_share_one_slot()
    {
        Assert.Equal(Slot(_keys.NodeIndex), Slot(_keys.Node("n-a")));
        Assert.Equal(Slot(_keys.NodeIndex), Slot(_keys.Node("n-b")));
    }

    [Fact]
    public void Different_rooms_and_tenants_spread_over_slots()
    {
        var rooms = Enumerable.Range(0, 50).Select(i => Slot(_keys.PresenceRoom($"t/acme/r/room-{i}"))).Distinct().Count();
        var tenants = Enumerable.Range(0, 50).Select(i => Slot(_keys.TenantSlots($"tenant-{i}"))).Distinct().Count();

        Assert.True(rooms > 40, $"50 rooms fell in {rooms} slots");
        Assert.True(tenants > 40, $"50 tenants fell in {tenants} slots");
    }

    [Fact]
    public void A_prefix_with_braces_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new RedisKeys("{parley}:"));
    }

    /// <summary>The slot the server puts <paramref name="key"/> in (CLUSTER KEYSLOT), not a client's own reckoning.</summary>
    private long Slot(string key) => (long)redis.Connection.GetServers()[0].Execute("CLUSTER", "KEYSLOT", key);
}
