using Parley.Server.Cluster.Local;

namespace Parley.Tests.Support;

/// <summary>
/// A real Redis Cluster for tests (three primaries, three replicas on loopback ports chosen at run
/// time), run by the product's <see cref="LocalRedisCluster"/>. Forming one costs seconds: the
/// spec suites share <see cref="SharedAsync"/> and keep out of each other's way by key prefix;
/// a test that kills, restarts or reshards takes a private one from <see cref="CreateAsync"/>
/// and disposes it.
/// </summary>
public sealed class RedisClusterServer : IAsyncDisposable
{
    /// <summary>
    /// <c>cluster-node-timeout</c> of the tests' clusters: 2 s, so a killed primary's replica takes
    /// over within seconds, yet well above the pauses of a loaded two-core machine.
    /// </summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(2);

    private static readonly Lazy<Task<RedisClusterServer>> Shared = new(StartSharedAsync);

    private RedisClusterServer(LocalRedisCluster cluster) => Cluster = cluster;

    public LocalRedisCluster Cluster { get; }

    /// <summary>Every endpoint, comma-separated, as a StackExchange.Redis configuration string.</summary>
    public string ConnectionString => Cluster.ConnectionString;

    /// <summary>The cluster every test in the run may share. Never kill, restart or reshard it.</summary>
    public static Task<RedisClusterServer> SharedAsync() => Shared.Value;

    /// <summary>A private cluster, for tests that inject faults into it. Dispose it.</summary>
    public static async Task<RedisClusterServer> CreateAsync() => new(await LocalRedisCluster.StartAsync(3, nodeTimeout: NodeTimeout));

    /// <summary>SIGKILL to a primary; returns once its replica serves its slots.</summary>
    public Task<LocalRedis> KillPrimaryAsync() => Cluster.KillPrimaryAsync();

    /// <summary>Starts a node again on its ports and waits until it has rejoined.</summary>
    public Task RestartAsync(LocalRedis server) => Cluster.RestartAsync(server);

    /// <summary>Moves <paramref name="slots"/> slots with their keys from the largest primary to the smallest.</summary>
    public Task<(int From, int To)> ReshardAsync(int slots) => Cluster.ReshardAsync(slots);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();

    private static async Task<RedisClusterServer> StartSharedAsync()
    {
        var server = await CreateAsync();
        // Process exit allows no long cleanup: kill every node at once and wait until they are
        // gone, then remove the nodes' directories (two seconds at most each).
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server.Cluster.KillNow(TimeSpan.FromSeconds(2));
            // Synchronous on purpose: a ProcessExit handler cannot await, and the wait is bounded (2 s).
            TemporaryDirectory.DeleteAsync(server.Cluster.Directory).GetAwaiter().GetResult();
        };
        return server;
    }
}
