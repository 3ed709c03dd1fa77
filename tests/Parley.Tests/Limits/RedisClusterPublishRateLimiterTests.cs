using Parley.Tests.Support;

namespace Parley.Tests.Limits;

/// <summary>The tenant publish-rate specification on a Redis Cluster.</summary>
public sealed class RedisClusterPublishRateLimiterTests(SharedRedisCluster redis) : RedisPublishRateLimiterSuite(redis), IClassFixture<SharedRedisCluster>;
