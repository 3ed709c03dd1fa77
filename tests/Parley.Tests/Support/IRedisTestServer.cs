using StackExchange.Redis;

namespace Parley.Tests.Support;

/// <summary>
/// A Redis the Redis-backed specification suites run against: one redis-server
/// (<see cref="SharedRedisServer"/>) or any other deployment (a Redis Cluster) that a fixture
/// starts and describes the same way. Tests keep out of each other's way by key prefix.
/// </summary>
public interface IRedisTestServer
{
    /// <summary>What a node is configured with (<c>Parley:Redis:Url</c>): a URL or a configuration string naming every endpoint.</summary>
    string Configuration { get; }

    /// <summary>A connection the tests of a class may share, with admin commands allowed (SCRIPT FLUSH, KEYS).</summary>
    IConnectionMultiplexer Connection { get; }
}
