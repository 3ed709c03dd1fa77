using Parley.Server.Auth;

namespace Parley.Server.Cluster.Local;

/// <summary>What a local cluster is made of.</summary>
public sealed record LocalClusterSpec(int Nodes, ProxyKind Proxy, int ProxyPort, string Directory, ParleyLauncher Launcher)
{
    /// <summary>Configuration given to every node, by full key (e.g. <c>Parley:Limits:ConnectionsPerUser</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Remove <see cref="Directory"/> (its signing key, logs and data) when the cluster is disposed: a throwaway cluster's state. Default false: <c>cluster up</c> keeps its state.</summary>
    public bool DeleteDirectoryOnDispose { get; init; }

    /// <summary>
    /// PostgreSQL's directory, reused by every run that names it (its databases are created
    /// afresh each time). Null: a new temporary one, deleted when the cluster stops (tests).
    /// </summary>
    public string? PostgresDirectory { get; init; }
}

/// <summary>
/// Redis, PostgreSQL, the auth service, N Parley nodes and a proxy on loopback: what
/// <c>parley cluster up</c> runs and what the cluster tests start. The nodes share one HS256 development key kept in the
/// cluster's state directory (<see cref="ClusterState"/>), so <c>parley token --data DIR</c> mints tokens every node
/// accepts. Every program started is recorded there, so a run that was killed is cleaned up by the next one.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>
    /// The one issuer of a local cluster: the development tokens of <c>parley token</c> and the
    /// auth service's tokens both carry it, so nodes accept either.
    /// </summary>
    public const string Issuer = "parley-dev";

    private readonly List<LocalNode> _nodes = [];

    private LocalCluster(LocalClusterSpec spec) => Spec = spec;

    public LocalClusterSpec Spec { get; }

    public LocalRedis Redis { get; private set; } = null!;

    public LocalPostgres Postgres { get; private set; } = null!;

    public LocalProxy Proxy { get; private set; } = null!;

    public LocalAuthService Auth { get; private set; } = null!;

    /// <summary>The locked state directory; null only while a failed start is being undone.</summary>
    private ClusterState? State { get; set; }

    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>The HS256 secret every node verifies with.</summary>
    public string Secret { get; private set; } = "";

    public string PostgresConnectionString { get; private set; } = "";

    /// <summary>Starts every part; <paramref name="progress"/> hears one line per part started.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterSpec spec, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        // Fail before starting anything when a program is missing.
        Executables.Require("redis-server", "redis-server");
        Executables.RequirePostgres("initdb");
        Executables.Require(spec.Proxy == ProxyKind.Nginx ? "nginx" : "haproxy", spec.Proxy == ProxyKind.Nginx ? "nginx" : "haproxy");

        var cluster = new LocalCluster(spec);
        try
        {
            var state = cluster.State = await ClusterState.OpenAsync(spec.Directory, cancellationToken);
            cluster.Secret = DevelopmentKey.LoadOrCreate(spec.Directory);
            cluster.Redis = await LocalRedis.StartAsync(cancellationToken: cancellationToken);
            state.Record(cluster.Redis.Process);
            progress?.Invoke($"redis-server   {cluster.Redis.Url}");

            // A server a killed run left in a named directory is stopped by LocalPostgres itself.
            cluster.Postgres = await LocalPostgres.StartAsync(spec.PostgresDirectory, cancellationToken: cancellationToken);
            cluster.PostgresConnectionString = await cluster.Postgres.RecreateDatabaseAsync("parley", cancellationToken);
            progress?.Invoke($"postgresql     {cluster.PostgresConnectionString}");

            // The auth service keeps its tenants and keys in the same PostgreSQL, in its own database.
            var authDatabase = await cluster.Postgres.RecreateDatabaseAsync("parley_auth", cancellationToken);
            cluster.Auth = await LocalAuthService.StartAsync(spec.Launcher, Path.Combine(spec.Directory, "auth"), authDatabase, Issuer, cancellationToken);
            state.Record(cluster.Auth.Process);
            progress?.Invoke($"auth service   {cluster.Auth.HttpUri}  (operator token {cluster.Auth.OperatorToken})");

            var ports = new List<int>();
            for (var i = 1; i <= spec.Nodes; i++)
            {
                var node = await cluster.AddNodeAsync($"node-{i}", cancellationToken);
                ports.Add(node.Port);
                progress?.Invoke($"{node.NodeId,-14} {node.HttpUri}");
            }

            cluster.Proxy = await LocalProxy.StartAsync(spec.Proxy, Path.Combine(spec.Directory, spec.Proxy.ToString().ToLowerInvariant()), spec.ProxyPort, ports, cancellationToken);
            state.Record(cluster.Proxy.Process);
            progress?.Invoke($"{spec.Proxy.ToString().ToLowerInvariant(),-14} {cluster.Proxy.HttpUri}  (WebSocket {cluster.Proxy.WebSocketUri})");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more node with the cluster's settings (it is not added to a running proxy).</summary>
    public async Task<LocalNode> AddNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        var settings = new Dictionary<string, string>(Spec.Settings, StringComparer.Ordinal)
        {
            ["Parley:Redis:Url"] = Redis.Url,
            ["Parley:Postgres:ConnectionString"] = PostgresConnectionString,
            ["Parley:Auth:HmacSecret"] = Secret,
            ["Parley:Auth:DisableDevelopmentKey"] = "true",
            ["Parley:Auth:Issuer"] = Issuer,
            ["Parley:Auth:JwksUrl"] = Auth.JwksUri.ToString(),
            ["Parley:Directory:Url"] = Auth.HttpUri.ToString(),
            ["Parley:Directory:Token"] = Auth.OperatorToken,
        };
        var node = new LocalNode(Spec.Launcher, nodeId, Ports.Free(), Path.Combine(Spec.Directory, nodeId), settings);
        _nodes.Add(node);
        await node.StartAsync(cancellationToken);
        State?.Record(node.Process);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        if (Auth is not null)
        {
            await Auth.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        if (State is not null)
        {
            State.Forget();
            State.Dispose();
        }

        if (Spec.DeleteDirectoryOnDispose)
        {
            // A program just stopped may still be closing its files there for a moment.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    System.IO.Directory.Delete(Spec.Directory, recursive: true);
                    break;
                }
                catch (DirectoryNotFoundException)
                {
                    break;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (attempt == 20)
                    {
                        // Still held after 2 s: left for the system's temporary-file cleaning.
                        break;
                    }

                    await Task.Delay(100);
                }
            }
        }
    }
}
