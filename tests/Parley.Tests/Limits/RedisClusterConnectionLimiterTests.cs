using Parley.Tests.Support;

namespace Parley.Tests.Limits;

/// <summary>The connection-limiter specification on a Redis Cluster: each tenant's slots in one slot, tenants spread over three shards.</summary>
public sealed class RedisClusterConnectionLimiterTests(SharedRedisCluster redis) : RedisConnectionLimiterSuite(redis), IClassFixture<SharedRedisCluster>;
