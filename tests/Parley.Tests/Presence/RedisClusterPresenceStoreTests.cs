using Parley.Tests.Support;

namespace Parley.Tests.Presence;

/// <summary>The presence specification on a Redis Cluster: each room's keys in one slot, rooms spread over three shards.</summary>
public sealed class RedisClusterPresenceStoreTests(SharedRedisCluster redis) : RedisPresenceStoreSuite(redis), IClassFixture<SharedRedisCluster>;
