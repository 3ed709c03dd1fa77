using Parley.Server.Cluster.Local;
using StackExchange.Redis;

namespace Parley.Tests.Support;

/// <summary>
/// One redis-server for all the tests of a class (a class fixture), with one connection they may
/// share. Tests keep out of each other's way by key prefix; a test that stops or restarts Redis
/// starts a server of its own instead.
/// </summary>
public sealed class SharedRedisServer : IRedisTestServer, IAsyncLifetime
{
    private LocalRedis? _server;
    private ConnectionMultiplexer? _connection;

    public string Configuration => Server.Url;

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The shared Redis is not started.");

    private LocalRedis Server => _server ?? throw new InvalidOperationException("The shared Redis is not started.");

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix() => $"test:{Guid.NewGuid():N}:";

    public async Task InitializeAsync()
    {
        _server = await LocalRedis.StartAsync();
        _connection = await RedisTestConnections.ConnectAsync(Configuration);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
