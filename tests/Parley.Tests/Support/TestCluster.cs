using Parley.Node.Auth;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;

namespace Parley.Tests.Support;

/// <summary>
/// A real cluster for tests: redis-server, PostgreSQL, N <c>parley serve</c> processes from the
/// build output and nginx (or HAProxy), all on loopback ports chosen at run time, through the same
/// <see cref="LocalCluster"/> that <c>parley cluster up</c> runs.
/// </summary>
internal static class TestCluster
{
    /// <summary>Settings that make failures show within seconds instead of a minute.</summary>
    public static readonly IReadOnlyDictionary<string, string> FastFailure = new Dictionary<string, string>
    {
        ["Parley:Presence:Ttl"] = "00:00:04",
        ["Parley:Presence:HeartbeatInterval"] = "00:00:01",
        ["Parley:Cluster:HeadCheckInterval"] = "00:00:01",
        ["Parley:Limits:PublishesPerSecond"] = "100000",
        ["Parley:Limits:PublishBurst"] = "100000",
        ["Parley:Limits:NewConnectionsPerSecond"] = "0",
        ["Parley:Drain:Window"] = "00:00:01",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>
    /// Starts the cluster; with <paramref name="redisShards"/> (3 or more) on a Redis Cluster of that
    /// many primaries with a replica each, whose node timeout is <see cref="RedisClusterServer.NodeTimeout"/>.
    /// </summary>
    /// <param name="broker">What carries the fan-out; RabbitMQ and NATS need <paramref name="brokerUrl"/> or start a server of their own.</param>
    /// <param name="brokerUrl">A RabbitMQ or NATS server already running (the run's shared RabbitMQ).</param>
    public static Task<LocalCluster> StartAsync(int nodes = 3, ProxyKind proxy = ProxyKind.Nginx, IReadOnlyDictionary<string, string>? settings = null, int redisShards = 0, BrokerKind broker = BrokerKind.Redis, string? brokerUrl = null)
    {
        var merged = new Dictionary<string, string>(FastFailure);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        var directory = Path.Combine(Path.GetTempPath(), "parley-cluster-" + Guid.NewGuid().ToString("N"));
        var spec = new LocalClusterSpec(nodes, proxy, Ports.Free(), directory, ParleyLauncher.FromDirectory(AppContext.BaseDirectory)) { Settings = merged, DeleteDirectoryOnDispose = true, RedisShards = redisShards, RedisNodeTimeout = RedisClusterServer.NodeTimeout, Broker = broker, BrokerUrl = brokerUrl };
        return LocalCluster.StartAsync(spec);
    }

    /// <summary>A token every node of <paramref name="cluster"/> accepts.</summary>
    public static string Token(this LocalCluster cluster, string tenant, string user, IReadOnlyList<string>? scopes = null)
        => DevelopmentTokenMinter.Mint(cluster.Secret, new AuthOptions(), tenant, user, ["*"], scopes ?? [], TimeSpan.FromHours(1));
}
