using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>
/// The local Redis Cluster that <c>parley cluster up --redis-shards</c> and the Redis Cluster
/// tests stand on: it forms, survives the faults the tests inject, and says what it looks like.
/// </summary>
public sealed class LocalRedisClusterTests
{
    [Fact]
    public async Task A_local_redis_cluster_serves_every_slot_from_three_primaries_each_with_its_own_replica()
    {
        var server = await RedisClusterServer.SharedAsync();
        var nodes = await server.Cluster.NodesAsync();

        var primaries = nodes.Where(n => n.IsPrimary).ToList();
        Assert.Equal(3, primaries.Count);
        Assert.Equal(RedisClusterNode.SlotCount, primaries.Sum(p => p.Slots));
        Assert.All(primaries, p => Assert.True(p.Slots > 0));
        var replicas = nodes.Where(n => !n.IsPrimary).ToList();
        Assert.Equal(primaries.Select(p => p.Id).Order(), replicas.Select(r => r.PrimaryId!).Order());
        Assert.Equal(server.Cluster.Endpoints.Count, server.ConnectionString.Split(',').Length);
        Assert.All(server.Cluster.Endpoints, e => Assert.StartsWith("127.0.0.1:", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_killed_primary_hands_its_slots_to_its_replica_and_comes_back_as_a_replica_after_a_restart()
    {
        await using var server = await RedisClusterServer.CreateAsync();
        var before = await server.Cluster.NodesAsync();

        var victim = await server.KillPrimaryAsync();

        var was = before.Single(n => n.Port == victim.Port);
        var after = await server.Cluster.NodesAsync();
        var heir = after.Single(n => n.PrimaryId is null && before.Single(b => b.Id == n.Id).PrimaryId == was.Id);
        Assert.Equal(was.Slots, heir.Slots);
        Assert.True(after.Single(n => n.Id == was.Id).IsFailing);

        await server.RestartAsync(victim);

        var rejoined = (await server.Cluster.NodesAsync()).Single(n => n.Id == was.Id);
        Assert.False(rejoined.IsPrimary);
        Assert.Equal(heir.Id, rejoined.PrimaryId);
    }

    [Fact]
    public async Task Resharding_moves_slots_and_their_keys_to_another_primary()
    {
        await using var server = await RedisClusterServer.CreateAsync();
        var before = await server.Cluster.NodesAsync();

        var (from, to) = await server.ReshardAsync(100);

        var after = await server.Cluster.NodesAsync();
        Assert.Equal(before.Single(n => n.Port == from).Slots - 100, after.Single(n => n.Port == from).Slots);
        Assert.Equal(before.Single(n => n.Port == to).Slots + 100, after.Single(n => n.Port == to).Slots);
    }

    [Fact]
    public async Task Moving_a_slot_hands_it_with_its_keys_to_another_primary()
    {
        await using var server = await RedisClusterServer.CreateAsync();
        var slot = await server.Cluster.SlotOfAsync("moving-key");
        var owner = (await server.Cluster.NodesAsync()).Single(n => n.IsPrimary && n.Serves(slot));
        Assert.Equal("OK", await RedisProbe.QueryAsync(owner.Port, ["SET", "moving-key", "kept"]));

        var (from, to) = await server.Cluster.MoveSlotAsync(slot);

        Assert.Equal(owner.Port, from);
        Assert.True((await server.Cluster.NodesAsync()).Single(n => n.Port == to).Serves(slot));
        Assert.Equal("kept", await RedisProbe.QueryAsync(to, ["GET", "moving-key"]));
        Assert.StartsWith("-MOVED", await RedisProbe.QueryAsync(from, ["GET", "moving-key"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_nodes_line_gives_role_health_and_served_slots()
    {
        var nodes = RedisClusterNode.ParseAll("""
            68de5dd3 127.0.0.1:41001@42001 myself,master - 0 1796309048000 1 connected 0-5460 7000 [5461->-ccf5dee6]
            c4a926f1 127.0.0.1:41005@42005 slave 68de5dd3 0 1796309048742 2 connected
            ccf5dee6 127.0.0.1:41002@42002,redis-b master,fail - 1 1796309049047 2 disconnected 5461-6999
            """);

        Assert.Equal(("68de5dd3", 41001, true, (string?)null, false, true), (nodes[0].Id, nodes[0].Port, nodes[0].IsPrimary, nodes[0].PrimaryId, nodes[0].IsFailing, nodes[0].IsConnected));
        Assert.Equal([new SlotRange(0, 5460), new SlotRange(7000, 7000)], nodes[0].SlotRanges);
        Assert.Equal(5462, nodes[0].Slots);
        Assert.True(nodes[0].Serves(7000));
        Assert.False(nodes[0].Serves(5461));
        Assert.Equal(("c4a926f1", false, "68de5dd3", 0), (nodes[1].Id, nodes[1].IsPrimary, nodes[1].PrimaryId, nodes[1].Slots));
        Assert.Equal((true, true, false, 1539), (nodes[2].IsPrimary, nodes[2].IsFailing, nodes[2].IsConnected, nodes[2].Slots));
    }
}
