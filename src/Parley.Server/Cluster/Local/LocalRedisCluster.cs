using System.Globalization;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A Redis Cluster on 127.0.0.1: <c>shards</c> primaries, each with one replica, every
/// redis-server on a client port and a cluster-bus port chosen at run time, each with its own
/// directory for its <c>nodes.conf</c> (so a node restarted on the same port rejoins as the same
/// member), without persistence. Made with <c>redis-cli --cluster create</c>; it is ready only
/// once every node says <c>cluster_state:ok</c>, agrees that every slot is served, and every
/// replica is linked to its primary. Used by <c>parley cluster up --redis-shards</c> and by the
/// tests, which also kill primaries, restart nodes and move slots while Parley runs on it.
/// </summary>
public sealed class LocalRedisCluster : IAsyncDisposable
{
    /// <summary>Replicas per primary: one, so losing any single node loses no slot.</summary>
    public const int ReplicasPerShard = 1;

    /// <summary>
    /// Default <c>cluster-node-timeout</c>: 5 s, a third of Redis's own 15 s, so a local cluster
    /// shows a failover within seconds while a loaded laptop's pauses do not start one.
    /// </summary>
    public static readonly TimeSpan DefaultNodeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the cluster may take to form, or to settle after a fault, before that is an error.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    private readonly List<LocalRedis> _servers = [];
    private readonly bool _deleteDirectory;

    private LocalRedisCluster(string directory, bool deleteDirectory, TimeSpan nodeTimeout)
    {
        Directory = directory;
        _deleteDirectory = deleteDirectory;
        NodeTimeout = nodeTimeout;
    }

    /// <summary>Where each node keeps its <c>nodes.conf</c>, one sub-directory each.</summary>
    public string Directory { get; }

    public TimeSpan NodeTimeout { get; }

    /// <summary>Every redis-server of the cluster, primaries and replicas, in the order they were started.</summary>
    public IReadOnlyList<LocalRedis> Servers => _servers;

    /// <summary><c>host:port</c> of every node.</summary>
    public IReadOnlyList<string> Endpoints => [.. _servers.Select(s => $"{s.Host}:{s.Port.ToString(CultureInfo.InvariantCulture)}")];

    /// <summary>
    /// Every endpoint, comma-separated: the configuration string a StackExchange.Redis client
    /// takes (it discovers the cluster from any node it reaches, so naming them all survives
    /// any one being down at connect time).
    /// </summary>
    public string ConnectionString => string.Join(',', Endpoints);

    /// <summary>
    /// Starts <paramref name="shards"/> primaries and as many replicas, forms the cluster and waits
    /// until it is ready. <paramref name="started"/> hears each redis-server as it starts (so a
    /// caller can record it for clean-up); each one's output goes to
    /// <c>redis-{n}.log</c> in <paramref name="logDirectory"/> when given. A given
    /// <paramref name="directory"/> is emptied first: cluster files of an earlier run name ports
    /// that are no longer the nodes', and a node that read one would never join this cluster.
    /// </summary>
    public static async Task<LocalRedisCluster> StartAsync(int shards, string? directory = null, TimeSpan? nodeTimeout = null, string? logDirectory = null, Action<LocalRedis>? started = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 3);
        var redisCli = Executables.Require("redis-cli", "redis-tools");
        Executables.Require("redis-server", "redis-server");

        var owned = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "parley-redis-cluster-" + Guid.NewGuid().ToString("N"));
        var cluster = new LocalRedisCluster(Path.GetFullPath(directory), owned, nodeTimeout ?? DefaultNodeTimeout);
        try
        {
            if (System.IO.Directory.Exists(cluster.Directory))
            {
                System.IO.Directory.Delete(cluster.Directory, recursive: true);
            }

            // Each node needs two distinct ports: clients', and the cluster bus (by default
            // port + 10000, which may be taken or past 65535, so it is chosen too).
            var ports = new HashSet<int>();
            while (ports.Count < 2 * shards * (1 + ReplicasPerShard))
            {
                ports.Add(Ports.Free());
            }

            var pairs = ports.Chunk(2).ToList();
            for (var i = 0; i < pairs.Count; i++)
            {
                var server = await cluster.StartNodeAsync(i + 1, pairs[i][0], pairs[i][1], logDirectory, cancellationToken);
                started?.Invoke(server);
            }

            await cluster.CreateAsync(redisCli, cancellationToken);
            await cluster.WaitUntilReadyAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a running node says about every member it knows.</summary>
    public async Task<IReadOnlyList<RedisClusterNode>> NodesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var server in _servers.Where(s => s.IsRunning))
        {
            try
            {
                return RedisClusterNode.ParseAll(await RedisProbe.QueryAsync(server.Port, ["CLUSTER", "NODES"], cancellationToken));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Try the next node.
            }
        }

        throw new InvalidOperationException("No node of the Redis Cluster answers.");
    }

    /// <summary>The server on <paramref name="port"/>.</summary>
    public LocalRedis ServerOn(int port) => _servers.Single(s => s.Port == port);

    /// <summary>
    /// Kills a primary with SIGKILL (a crash), waits until its replica has taken its slots and
    /// the cluster is ready again, and returns the killed server (restart it with
    /// <see cref="RestartAsync"/>; it comes back as a replica).
    /// </summary>
    public async Task<LocalRedis> KillPrimaryAsync(CancellationToken cancellationToken = default)
    {
        var primary = (await NodesAsync(cancellationToken)).First(n => n.IsPrimary && !n.IsFailing && n.Slots > 0);
        var victim = ServerOn(primary.Port);
        await victim.StopAsync();
        await WaitUntilReadyAsync(cancellationToken);
        return victim;
    }

    /// <summary>A replica of the cluster (one that is running and linked).</summary>
    public async Task<LocalRedis> AnyReplicaAsync(CancellationToken cancellationToken = default)
    {
        var replica = (await NodesAsync(cancellationToken)).First(n => !n.IsPrimary && !n.IsFailing && n.IsConnected);
        return ServerOn(replica.Port);
    }

    /// <summary>
    /// Stops <paramref name="server"/> if it runs, starts it again on the same ports with the same
    /// <c>nodes.conf</c>, and waits until it has rejoined and the cluster is ready.
    /// </summary>
    public async Task RestartAsync(LocalRedis server, CancellationToken cancellationToken = default)
    {
        await server.RestartAsync(cancellationToken);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>
    /// Moves <paramref name="slots"/> slots, with their keys, from the primary with the most to the
    /// one with the fewest with <c>redis-cli --cluster reshard</c>, and waits until the cluster is
    /// ready again. Returns the ports of the primary that gave them and the one that took them.
    /// </summary>
    public async Task<(int From, int To)> ReshardAsync(int slots, CancellationToken cancellationToken = default)
    {
        var primaries = (await NodesAsync(cancellationToken)).Where(n => n.IsPrimary && !n.IsFailing && n.Slots > 0).OrderByDescending(n => n.Slots).ToList();
        if (primaries.Count < 2)
        {
            throw new InvalidOperationException("Resharding needs two primaries that serve slots.");
        }

        return await ReshardAsync(primaries[0], primaries[^1], slots, cancellationToken);
    }

    /// <summary>
    /// Moves one slot, with its keys, to the primary with the fewest slots, the way
    /// <c>redis-cli --cluster reshard</c> moves each slot (importing on the new owner, migrating
    /// on the old, the keys moved with <c>MIGRATE</c>, then the new owner announced to every
    /// primary), and waits until the cluster is ready again. Clients of the slot are redirected
    /// meanwhile (<c>ASK</c>, then <c>MOVED</c>) and sharded subscribers of its channels are
    /// told to subscribe again where it now lives. Returns the ports of the primaries that gave and took it.
    /// </summary>
    public async Task<(int From, int To)> MoveSlotAsync(int slot, CancellationToken cancellationToken = default)
    {
        var primaries = (await NodesAsync(cancellationToken)).Where(n => n.IsPrimary && !n.IsFailing && n.Slots > 0).ToList();
        var owner = primaries.Single(p => p.Serves(slot));
        var heir = primaries.Where(p => p.Id != owner.Id).OrderBy(p => p.Slots).First();
        var number = slot.ToString(CultureInfo.InvariantCulture);
        await RedisProbe.RequireAsync(heir.Port, ["CLUSTER", "SETSLOT", number, "IMPORTING", owner.Id], cancellationToken);
        await RedisProbe.RequireAsync(owner.Port, ["CLUSTER", "SETSLOT", number, "MIGRATING", heir.Id], cancellationToken);
        while (true)
        {
            var keys = (await RedisProbe.RequireAsync(owner.Port, ["CLUSTER", "GETKEYSINSLOT", number, "100"], cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (keys.Length == 0)
            {
                break;
            }

            await RedisProbe.RequireAsync(owner.Port, ["MIGRATE", "127.0.0.1", heir.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys], cancellationToken);
        }

        // The new owner first, then the old one, then the rest: as redis-cli does, so no primary
        // ever sends a client to a node that does not yet know it owns the slot.
        foreach (var primary in primaries.OrderBy(p => p.Id == heir.Id ? 0 : p.Id == owner.Id ? 1 : 2))
        {
            await RedisProbe.RequireAsync(primary.Port, ["CLUSTER", "SETSLOT", number, "NODE", heir.Id], cancellationToken);
        }

        await WaitUntilReadyAsync(cancellationToken);
        return (owner.Port, heir.Port);
    }

    /// <summary>The slot <paramref name="key"/> (or channel name) hashes to, as the cluster computes it.</summary>
    public async Task<int> SlotOfAsync(string key, CancellationToken cancellationToken = default)
    {
        var port = _servers.First(s => s.IsRunning).Port;
        return int.Parse(await RedisProbe.QueryAsync(port, ["CLUSTER", "KEYSLOT", key], cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task<(int From, int To)> ReshardAsync(RedisClusterNode from, RedisClusterNode to, int slots, CancellationToken cancellationToken)
    {
        await RunRedisCliAsync(
            Executables.Require("redis-cli", "redis-tools"),
            ["--cluster", "reshard", $"127.0.0.1:{from.Port.ToString(CultureInfo.InvariantCulture)}",
             "--cluster-from", from.Id, "--cluster-to", to.Id,
             "--cluster-slots", slots.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
            cancellationToken);
        await WaitUntilReadyAsync(cancellationToken);
        return (from.Port, to.Port);
    }

    /// <summary>
    /// Waits until every running node says <c>cluster_state:ok</c>, sees every other running node
    /// connected and healthy, sees all 16384 slots served by healthy primaries, and, when it is a
    /// replica, is linked to its primary (so a failover finds a replica that can take over).
    /// </summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        var reason = "";
        while (true)
        {
            try
            {
                reason = await NotReadyBecauseAsync(cancellationToken);
                if (reason.Length == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or FormatException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                reason = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The Redis Cluster in {Directory} was not ready within {SettleTimeout.TotalSeconds:0} s: {reason}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// SIGKILL to every node at once, then a wait of at most <paramref name="grace"/> for them to
    /// be gone (a node still alive rewrites its <c>nodes.conf</c> as it sees the others die), all
    /// synchronous: for a process-exit handler, which cannot await. <see cref="DisposeAsync"/> is
    /// the ordinary way to stop.
    /// </summary>
    public void KillNow(TimeSpan grace)
    {
        var running = _servers.Where(s => s.IsRunning).Select(s => s.Process).ToList();
        foreach (var process in running)
        {
            process.Kill();
        }

        // Synchronous on purpose (see above); every wait shares one bounded deadline.
        Task.WhenAll(running.Select(p => p.WaitForExitAsync(grace))).GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_servers.Select(s => s.DisposeAsync().AsTask()));
        if (_deleteDirectory)
        {
            await TemporaryDirectory.DeleteAsync(Directory);
        }
    }

    public override string ToString() => $"Redis Cluster of {_servers.Count} nodes on {ConnectionString}";

    private async Task<LocalRedis> StartNodeAsync(int number, int port, int busPort, string? logDirectory, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Directory, "redis-" + number.ToString(CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(directory);
        var server = await LocalRedis.StartAsync(
            extraArguments:
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(directory, "nodes.conf"),
                "--cluster-port", busPort.ToString(CultureInfo.InvariantCulture),
                "--cluster-node-timeout", ((long)NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ],
            port: port,
            cancellationToken: cancellationToken,
            logFile: logDirectory is null ? null : Path.Combine(logDirectory, $"redis-{number.ToString(CultureInfo.InvariantCulture)}.log"),
            directory: directory);
        _servers.Add(server);
        return server;
    }

    private Task CreateAsync(string redisCli, CancellationToken cancellationToken)
        => RunRedisCliAsync(
            redisCli,
            ["--cluster", "create", .. Endpoints, "--cluster-replicas", ReplicasPerShard.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
            cancellationToken);

    private async Task RunRedisCliAsync(string redisCli, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await using var process = LocalProcess.Start("redis-cli", redisCli, arguments);
        using var registration = cancellationToken.Register(() => process.Kill());
        if (!await process.WaitForExitAsync(SettleTimeout))
        {
            throw new TimeoutException($"redis-cli {arguments[0]} {arguments[1]} did not finish within {SettleTimeout.TotalSeconds:0} s:\n{process.Output}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {arguments[0]} {arguments[1]} failed with exit code {process.ExitCode}:\n{process.Output}");
        }
    }

    /// <summary>Empty when ready; else what is not ready yet.</summary>
    private async Task<string> NotReadyBecauseAsync(CancellationToken cancellationToken)
    {
        var running = _servers.Where(s => s.IsRunning).ToList();
        foreach (var server in running)
        {
            var info = await RedisProbe.QueryAsync(server.Port, ["CLUSTER", "INFO"], cancellationToken);
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return $"the node on port {server.Port} does not say cluster_state:ok yet";
            }

            var view = RedisClusterNode.ParseAll(await RedisProbe.QueryAsync(server.Port, ["CLUSTER", "NODES"], cancellationToken));
            foreach (var other in running)
            {
                if (view.FirstOrDefault(n => n.Port == other.Port) is not { IsFailing: false, IsConnected: true })
                {
                    return $"the node on port {server.Port} does not see the node on port {other.Port} healthy yet";
                }
            }

            var served = view.Where(n => n.IsPrimary && !n.IsFailing).Sum(n => n.Slots);
            if (served != RedisClusterNode.SlotCount)
            {
                return $"the node on port {server.Port} sees {served} of {RedisClusterNode.SlotCount} slots served";
            }

            if (view.Single(n => n.Port == server.Port) is { IsPrimary: false })
            {
                var replication = await RedisProbe.QueryAsync(server.Port, ["INFO", "replication"], cancellationToken);
                if (!replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return $"the replica on port {server.Port} is not linked to its primary yet";
                }
            }
        }

        return "";
    }
}
