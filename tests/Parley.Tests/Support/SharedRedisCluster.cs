using StackExchange.Redis;

namespace Parley.Tests.Support;

/// <summary>
/// The run's shared Redis Cluster (<see cref="RedisClusterServer.SharedAsync"/>) as a class
/// fixture for the Redis-backed specification suites, with one connection the class's tests
/// share. Tests keep out of each other's way by key prefix, as on one redis-server.
/// </summary>
public sealed class SharedRedisCluster : IRedisTestServer, IAsyncLifetime
{
    private RedisClusterServer? _server;
    private ConnectionMultiplexer? _connection;

    public string Configuration => (_server ?? throw new InvalidOperationException("The shared Redis Cluster is not started.")).ConnectionString;

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The shared Redis Cluster is not started.");

    public async Task InitializeAsync()
    {
        _server = await RedisClusterServer.SharedAsync();
        _connection = await RedisTestConnections.ConnectAsync(Configuration);
    }

    public async Task DisposeAsync()
    {
        // The cluster itself outlives the class: it stops when the test run ends.
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
