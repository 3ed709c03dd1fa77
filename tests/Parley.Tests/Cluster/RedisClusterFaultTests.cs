using Parley.Node.Options;
using Parley.Node.Tenancy;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>
/// Faults of a Redis Cluster under a steady publish stream to a room with members on every node
/// (the harness of <see cref="FaultTests"/>): a primary dies and its replica takes over, the
/// room's slot moves to another primary, a replica restarts. After each, every acknowledged
/// message reached every subscriber exactly once and in order, and health is ok again.
/// </summary>
public sealed class RedisClusterFaultTests(ITestOutputHelper output)
{
    /// <summary>The room <see cref="SteadyStream"/> publishes to, in the tenant its tokens carry.</summary>
    private static readonly StreamId SteadyRoom = StreamId.Room("acme", "steady");

    /// <summary>The room's pub/sub channel under the default key prefix: its slot is the shard that carries the room.</summary>
    private static readonly string RoomChannel = new RedisKeys(new RedisOptions().KeyPrefix).Channel(SteadyRoom.Key);

    [Fact]
    public async Task Killing_a_redis_cluster_primary_with_sigkill_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync(redisShards: 3);
        var stream = new SteadyStream(cluster, output);

        // The primary that carries the room's channel: the one whose loss the room feels.
        var slot = await cluster.RedisCluster!.SlotOfAsync(RoomChannel);
        var owner = (await cluster.RedisCluster.NodesAsync()).Single(n => n.IsPrimary && n.Serves(slot));

        await stream.RunAsync("kill -9 of the Redis Cluster primary of the room's slot", async () =>
        {
            var victim = cluster.RedisCluster.ServerOn(owner.Port);
            await victim.StopAsync();
            await cluster.RedisCluster.WaitUntilReadyAsync();
        }, healthWatch: cluster.Nodes[0]);

        var heir = (await cluster.RedisCluster.NodesAsync()).Single(n => n.IsPrimary && !n.IsFailing && n.Serves(slot));
        Assert.NotEqual(owner.Port, heir.Port);
    }

    [Fact]
    public async Task Moving_the_rooms_slot_to_another_primary_while_publishing_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync(redisShards: 3);
        var stream = new SteadyStream(cluster, output);
        var slot = await cluster.RedisCluster!.SlotOfAsync(RoomChannel);
        var moved = (0, 0);

        await stream.RunAsync("reshard of the room's slot to another primary", async () =>
        {
            moved = await cluster.RedisCluster.MoveSlotAsync(slot);
        }, healthWatch: cluster.Nodes[0]);

        Assert.True((await cluster.RedisCluster.NodesAsync()).Single(n => n.Port == moved.Item2).Serves(slot));
    }

    [Fact]
    public async Task Restarting_a_redis_cluster_replica_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync(redisShards: 3);
        var stream = new SteadyStream(cluster, output);
        var replica = await cluster.RedisCluster!.AnyReplicaAsync();

        await stream.RunAsync("restart of a Redis Cluster replica", async () =>
        {
            await cluster.RedisCluster.RestartAsync(replica);
        }, healthWatch: cluster.Nodes[0]);

        Assert.True(replica.IsRunning);
    }
}
