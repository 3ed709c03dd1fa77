using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>The broker specification on a Redis Cluster: sharded pub/sub, one channel per stream, over three shards.</summary>
public sealed class RedisClusterBrokerTests(SharedRedisCluster redis) : RedisBrokerSuite(redis), IClassFixture<SharedRedisCluster>;
