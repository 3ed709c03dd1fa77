using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Tests.Support;

/// <summary>Connections to a test Redis made the way a node makes them, and what tests ask of Redis directly.</summary>
public static class RedisTestConnections
{
    /// <summary>A connection as a node opens it (Parley's policies), plus admin commands for the test's own checks.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string configuration, bool allowAdmin = true)
    {
        var options = RedisConfiguration.Parse(configuration);
        options.AllowAdmin = allowAdmin;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The keys under <paramref name="prefix"/> on every primary (one server, or each shard of a cluster).</summary>
    public static async Task<IReadOnlyList<string>> KeysAsync(IConnectionMultiplexer redis, string prefix)
    {
        var keys = new List<string>();
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
            {
                keys.Add(key!);
            }
        }

        return keys;
    }

    /// <summary>Empties the script cache of every primary, as a restart or SCRIPT FLUSH would.</summary>
    public static async Task FlushScriptsAsync(IConnectionMultiplexer redis)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await server.ScriptFlushAsync();
        }
    }

    /// <summary>The channel a node uses for <paramref name="name"/> on this deployment: sharded on a Redis Cluster.</summary>
    public static RedisChannel Channel(IConnectionMultiplexer redis, string name) =>
        redis.GetServers().Any(s => s.ServerType == ServerType.Cluster) ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);
}
