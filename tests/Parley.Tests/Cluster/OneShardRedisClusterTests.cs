using Parley.Tests.Broker;
using Parley.Tests.Limits;
using Parley.Tests.Presence;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

// Every Redis-backed suite once more on a Redis Cluster (of one shard): a script or command whose
// keys are not in one slot is refused there, so each suite passing shows the hash tags hold; the
// broker's suite passing shows it speaks sharded pub/sub, as its raw-channel test listens on the
// shard channel.

/// <summary>The Redis broker suite on a Redis Cluster, where it uses sharded pub/sub.</summary>
public sealed class RedisBrokerOnARedisClusterTests(OneShardRedisCluster redis) : RedisBrokerSuite(redis), IClassFixture<OneShardRedisCluster>
{
    [Fact]
    public async Task On_a_redis_cluster_the_broker_publishes_and_subscribes_on_shard_channels()
    {
        var node = await NodeAsync();

        Assert.True(node.IsSharded);
    }
}

/// <summary>The Redis presence suite on a Redis Cluster.</summary>
public sealed class RedisPresenceStoreOnARedisClusterTests(OneShardRedisCluster redis) : RedisPresenceStoreSuite(redis), IClassFixture<OneShardRedisCluster>;

/// <summary>The Redis connection limiter suite on a Redis Cluster.</summary>
public sealed class RedisConnectionLimiterOnARedisClusterTests(OneShardRedisCluster redis) : RedisConnectionLimiterSuite(redis), IClassFixture<OneShardRedisCluster>;

/// <summary>The Redis publish rate suite on a Redis Cluster.</summary>
public sealed class RedisPublishRateLimiterOnARedisClusterTests(OneShardRedisCluster redis) : RedisPublishRateLimiterSuite(redis), IClassFixture<OneShardRedisCluster>;

/// <summary>The Redis node registry suite on a Redis Cluster.</summary>
public sealed class RedisNodeRegistryOnARedisClusterTests(OneShardRedisCluster redis) : RedisNodeRegistrySuite(redis), IClassFixture<OneShardRedisCluster>;
