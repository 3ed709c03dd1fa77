using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>The node-registry specification on a Redis Cluster: the index and every entry under one hash tag, on one shard.</summary>
public sealed class RedisClusterNodeRegistryTests(SharedRedisCluster redis) : RedisNodeRegistrySuite(redis), IClassFixture<SharedRedisCluster>;
