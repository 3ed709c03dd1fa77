using Parley.Node.Auth;
using Parley.Node.Options;

namespace Parley.Server.Cluster.Local;

/// <summary>What a local cluster is made of.</summary>
public sealed record LocalClusterSpec(int Nodes, ProxyKind Proxy, int ProxyPort, string Directory, ParleyLauncher Launcher)
{
    /// <summary>Configuration given to every node, by full key (e.g. <c>Parley:Limits:ConnectionsPerUser</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Remove <see cref="Directory"/> (its signing key, logs and data) when the cluster is disposed: a throwaway cluster's state. Default false: <c>cluster up</c> keeps its state.</summary>
    public bool DeleteDirectoryOnDispose { get; init; }

    /// <summary>
    /// 0 (the default): one redis-server. 3 or more: a Redis Cluster of that many primaries, each
    /// with one replica (<see cref="LocalRedisCluster"/>), and every node is given all its endpoints.
    /// </summary>
    public int RedisShards { get; init; }

    /// <summary><c>cluster-node-timeout</c> of a Redis Cluster; null: <see cref="LocalRedisCluster.DefaultNodeTimeout"/>.</summary>
    public TimeSpan? RedisNodeTimeout { get; init; }

    /// <summary>
    /// PostgreSQL's directory, reused by every run that names it (its databases are created
    /// afresh each time). Null: a new temporary one, deleted when the cluster stops (tests).
    /// </summary>
    public string? PostgresDirectory { get; init; }

    /// <summary>What carries the fan-out between the nodes. Default Redis (the cluster's redis-server); RabbitMQ or NATS start a server of their own unless <see cref="BrokerUrl"/> names one.</summary>
    public BrokerKind Broker { get; init; } = BrokerKind.Redis;

    /// <summary>
    /// A RabbitMQ or NATS server already running, to use instead of starting one (tests share one
    /// RabbitMQ per run, each cluster on an exchange of its own set in <see cref="Settings"/>). Null: start one.
    /// </summary>
    public string? BrokerUrl { get; init; }
}

/// <summary>
/// Redis, PostgreSQL, the auth service, N Parley nodes and a proxy on loopback, and RabbitMQ or
/// NATS when the spec's broker names one: what
/// <c>parley cluster up</c> runs and what the cluster tests start. The nodes share one HS256 development key kept in the
/// cluster's state directory (<see cref="ClusterState"/>), so <c>parley token --data DIR</c> mints tokens every node
/// accepts. Every program started is recorded there, so a run that was killed is cleaned up by the next one.
/// Each program's output is appended to its own file in <see cref="LogDirectory"/>, and each is checked to be
/// serving (a real request on its own socket, see <see cref="Serving"/>) before the next starts; once the proxy
/// serves, every program is checked once more to be running. A part that fails stops the start: what was
/// started is stopped, and <see cref="NotServingException"/> says which part, where and why.
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

    /// <summary>The one redis-server; null when the cluster runs on a Redis Cluster (<see cref="RedisCluster"/>).</summary>
    public LocalRedis Redis { get; private set; } = null!;

    /// <summary>The Redis Cluster when <see cref="LocalClusterSpec.RedisShards"/> asked for one; else null.</summary>
    public LocalRedisCluster? RedisCluster { get; private set; }

    /// <summary>What every node is given to reach Redis: the one server's URL, or every endpoint of the Redis Cluster.</summary>
    public string RedisConfiguration => RedisCluster?.ConnectionString ?? Redis.Url;

    /// <summary>Every redis-server process of the cluster, one or many.</summary>
    public IReadOnlyList<LocalRedis> RedisServers => RedisCluster?.Servers ?? (Redis is null ? [] : [Redis]);

    /// <summary>The RabbitMQ server this cluster started (<c>--broker rabbitmq</c>), or null.</summary>
    public LocalRabbitMq? RabbitMq { get; private set; }

    /// <summary>The nats-server this cluster started (<c>--broker nats</c>), or null.</summary>
    public LocalNats? Nats { get; private set; }

    /// <summary>The URL of the RabbitMQ or NATS server the nodes use, or null with the Redis broker.</summary>
    public string? BrokerUrl { get; private set; }

    public LocalPostgres Postgres { get; private set; } = null!;

    public LocalProxy Proxy { get; private set; } = null!;

    public LocalAuthService Auth { get; private set; } = null!;

    /// <summary>The locked state directory; null only while a failed start is being undone.</summary>
    private ClusterState? State { get; set; }

    public IReadOnlyList<LocalNode> Nodes => _nodes;

    /// <summary>The HS256 secret every node verifies with.</summary>
    public string Secret { get; private set; } = "";

    public string PostgresConnectionString { get; private set; } = "";

    /// <summary>Where each program's output goes, one file each: <c>{Directory}/logs</c>.</summary>
    public string LogDirectory => LogDirectoryOf(Spec.Directory);

    /// <summary>The log directory of a cluster whose state is in <paramref name="stateDirectory"/>.</summary>
    public static string LogDirectoryOf(string stateDirectory) => Path.Combine(stateDirectory, "logs");

    /// <summary>The log file of the program named <paramref name="part"/>.</summary>
    public string LogFile(string part) => Path.Combine(LogDirectory, part + ".log");

    /// <summary>Starts every part; <paramref name="progress"/> hears one line per part started.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterSpec spec, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        // Fail before starting anything when a program is missing.
        Executables.Require("redis-server", "redis-server");
        if (spec.RedisShards > 0)
        {
            Executables.Require("redis-cli", "redis-tools");
        }

        Executables.RequirePostgres("initdb");
        Executables.Require(spec.Proxy == ProxyKind.Nginx ? "nginx" : "haproxy", spec.Proxy == ProxyKind.Nginx ? "nginx" : "haproxy");
        if (spec.BrokerUrl is null && spec.Broker != BrokerKind.Redis)
        {
            var program = spec.Broker == BrokerKind.RabbitMq ? "rabbitmq-server" : "nats-server";
            Executables.Require(program, program);
        }

        var cluster = new LocalCluster(spec);
        try
        {
            var state = cluster.State = await ClusterState.OpenAsync(spec.Directory, cancellationToken);
            cluster.Secret = DevelopmentKey.LoadOrCreate(spec.Directory);
            Directory.CreateDirectory(cluster.LogDirectory);
            progress?.Invoke($"Logs in {cluster.LogDirectory} (one file per program; 'parley cluster logs --follow' prints them as they grow).");
            if (spec.RedisShards > 0)
            {
                cluster.RedisCluster = await LocalRedisCluster.StartAsync(
                    spec.RedisShards, Path.Combine(spec.Directory, "redis-cluster"), spec.RedisNodeTimeout, cluster.LogDirectory, s => state.Record(s.Process), cancellationToken);
                progress?.Invoke($"redis cluster  {spec.RedisShards} primaries + {spec.RedisShards * LocalRedisCluster.ReplicasPerShard} replicas: {cluster.RedisCluster.ConnectionString}");
                var roles = await cluster.RedisCluster.NodesAsync(cancellationToken);
                for (var i = 0; i < cluster.RedisCluster.Servers.Count; i++)
                {
                    var server = cluster.RedisCluster.Servers[i];
                    var role = roles.Single(n => n.Port == server.Port).IsPrimary ? "primary" : "replica";
                    progress?.Invoke($"{"redis-" + (i + 1),-14} {server.Host}:{server.Port} {role}  (pid {server.Process.Id})");
                }
            }
            else
            {
                cluster.Redis = await LocalRedis.StartAsync(cancellationToken: cancellationToken, logFile: cluster.LogFile("redis-server"));
                state.Record(cluster.Redis.Process);
                progress?.Invoke($"redis-server   {cluster.Redis.Url}  (pid {cluster.Redis.Process.Id})");
            }

            await cluster.StartBrokerAsync(progress, cancellationToken);

            // A server a killed run left in a named directory is stopped by LocalPostgres itself.
            cluster.Postgres = await LocalPostgres.StartAsync(spec.PostgresDirectory, cancellationToken: cancellationToken, logFile: cluster.LogFile("postgresql"));
            cluster.PostgresConnectionString = await cluster.Postgres.RecreateDatabaseAsync("parley", cancellationToken);
            progress?.Invoke($"postgresql     {cluster.PostgresConnectionString}");

            // The auth service keeps its tenants and keys in the same PostgreSQL, in its own database.
            var authDatabase = await cluster.Postgres.RecreateDatabaseAsync("parley_auth", cancellationToken);
            cluster.Auth = await LocalAuthService.StartAsync(spec.Launcher, Path.Combine(spec.Directory, "auth"), authDatabase, Issuer, cancellationToken, cluster.LogFile("auth"));
            state.Record(cluster.Auth.Process);
            progress?.Invoke($"auth service   {cluster.Auth.HttpUri}  (pid {cluster.Auth.Process.Id})");

            var ports = new List<int>();
            for (var i = 1; i <= spec.Nodes; i++)
            {
                var node = await cluster.AddNodeAsync($"node-{i}", cancellationToken);
                ports.Add(node.Port);
                progress?.Invoke($"{node.NodeId,-14} {node.HttpUri}  (pid {node.Process.Id})");
            }

            var proxyName = spec.Proxy.ToString().ToLowerInvariant();
            cluster.Proxy = await LocalProxy.StartAsync(spec.Proxy, Path.Combine(spec.Directory, proxyName), spec.ProxyPort, ports, cancellationToken, cluster.LogDirectory, cluster.Auth.Port);
            state.Record(cluster.Proxy.Process);
            progress?.Invoke($"{proxyName,-14} {cluster.Proxy.HttpUri}  (WebSocket {cluster.Proxy.WebSocketUri}, pid {cluster.Proxy.Process.Id})");
            await cluster.EnsureRunningAsync();
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
            ["Parley:Broker:Kind"] = Spec.Broker.ToString().ToLowerInvariant(),
            ["Parley:Redis:Url"] = RedisConfiguration,
            ["Parley:Postgres:ConnectionString"] = PostgresConnectionString,
            ["Parley:Auth:HmacSecret"] = Secret,
            ["Parley:Auth:DisableDevelopmentKey"] = "true",
            ["Parley:Auth:Issuer"] = Issuer,
            ["Parley:Auth:JwksUrl"] = Auth.JwksUri.ToString(),
            ["Parley:Directory:Url"] = Auth.HttpUri.ToString(),
            ["Parley:Directory:Token"] = Auth.OperatorToken,
            // The reference nginx configuration serves the auth service at /auth on the app's origin.
            ["Parley:Web:AuthUrl"] = Spec.Proxy == ProxyKind.Nginx ? "/auth" : Auth.HttpUri.ToString().TrimEnd('/'),
        };
        if (Spec.Broker == BrokerKind.RabbitMq)
        {
            settings["Parley:Broker:RabbitMq:Url"] = BrokerUrl!;
        }
        else if (Spec.Broker == BrokerKind.Nats)
        {
            settings["Parley:Broker:Nats:Url"] = BrokerUrl!;
        }

        var node = new LocalNode(Spec.Launcher, nodeId, Ports.Free(), Path.Combine(Spec.Directory, nodeId), settings, LogFile(nodeId));
        _nodes.Add(node);
        await node.StartAsync(cancellationToken);
        State?.Record(node.Process);
        return node;
    }

    /// <summary>The RabbitMQ or NATS server the nodes need, unless the spec names one already running.</summary>
    private async Task StartBrokerAsync(Action<string>? progress, CancellationToken cancellationToken)
    {
        BrokerUrl = Spec.BrokerUrl;
        if (BrokerUrl is not null || Spec.Broker == BrokerKind.Redis)
        {
            return;
        }

        if (Spec.Broker == BrokerKind.RabbitMq)
        {
            // Its database stays with the cluster's state, so a durable exchange outlives a restart.
            RabbitMq = await LocalRabbitMq.StartAsync(Path.Combine(Spec.Directory, "rabbitmq"), cancellationToken: cancellationToken, logFile: LogFile("rabbitmq-server"));
            State?.Record(RabbitMq.Process);
            BrokerUrl = RabbitMq.Url;
            progress?.Invoke($"rabbitmq       {RabbitMq.Url}  (pid {RabbitMq.Process.Id})");
        }
        else
        {
            Nats = await LocalNats.StartAsync(cancellationToken: cancellationToken, logFile: LogFile("nats-server"));
            State?.Record(Nats.Process);
            BrokerUrl = Nats.Url;
            progress?.Invoke($"nats-server    {Nats.Url}  (pid {Nats.Process.Id})");
        }
    }

    /// <summary>
    /// Every program started is still running: a part that served and then died while the others
    /// started (a node that lost a race for its port, a proxy that gave up) is reported, not hidden.
    /// </summary>
    private async Task EnsureRunningAsync()
    {
        var parts = new List<(string Name, int Port, LocalProcess? Process)>(RedisServers.Select(r => ("redis-server", r.Port, (LocalProcess?)r.Process)))
        {
            ("rabbitmq-server", RabbitMq?.Port ?? 0, RabbitMq?.Process),
            ("nats-server", Nats?.Port ?? 0, Nats?.Process),
            ("postgresql", Postgres.Port, Postgres.Process),
            ("auth service", Auth.Port, Auth.Process),
        };
        parts.AddRange(_nodes.Select(n => (n.NodeId, n.Port, (LocalProcess?)n.Process)));
        parts.Add((Proxy.Kind.ToString().ToLowerInvariant(), Proxy.Port, Proxy.Process));
        foreach (var (name, port, process) in parts)
        {
            if (process is { HasExited: true })
            {
                await process.WaitForExitAsync(TimeSpan.FromSeconds(2));
                throw new NotServingException(name, port, $"it exited with code {process.ExitCode} after it had started", process);
            }
        }
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

        if (RedisCluster is not null)
        {
            await RedisCluster.DisposeAsync();
        }

        if (RabbitMq is not null)
        {
            await RabbitMq.DisposeAsync();
        }

        if (Nats is not null)
        {
            await Nats.DisposeAsync();
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
            await TemporaryDirectory.DeleteAsync(Spec.Directory);
        }
    }
}
