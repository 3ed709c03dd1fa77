using System.CommandLine;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley cluster up</c>: Redis, PostgreSQL, the auth service, N nodes and a proxy on loopback
/// for local development; prints the URLs, writes them with the operator token to the state
/// directory's <see cref="ClusterFile"/> for the other commands, and stops everything on Ctrl-C.
/// "Cluster up" is printed only once every program serves; if one does not (or a step such as
/// creating a database fails), the command names it, says why, stops the rest and exits 5. Its state lives in a per-user directory outside any
/// checkout (<see cref="ClusterState"/>), and a run that was killed is cleaned up by the next one
/// with the same state. <c>parley cluster logs</c> prints the programs' logs.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>Exit code of a run in which a program did not come up serving.</summary>
    public const int NotServingExitCode = 5;

    public static Command Create() => new("cluster", "Run a local cluster for development: 'cluster up', 'cluster status', 'cluster logs', 'cluster down'.")
    {
        UpCommand(), ClusterStatusCommand.Create(), LogsCommand(), ClusterDownCommand.Create(),
    };

    /// <summary>The <c>--state</c> option: the cluster's state directory, relative to the working directory.</summary>
    public static Option<string> StateOption() => new("--state", "--dir")
    {
        Description = "State directory: the shared development key, cluster.json, the logs, the nodes' and the proxy's files, PostgreSQL's data (under root: a temporary directory named after it). Default $XDG_STATE_HOME/parley/cluster, else ~/.local/state/parley/cluster.",
        DefaultValueFactory = _ => ClusterState.DefaultDirectory(),
    };

    private static Command UpCommand()
    {
        var nodes = new Option<int>("--nodes") { Description = "Number of Parley nodes.", DefaultValueFactory = _ => 3 };
        var port = new Option<int>("--port") { Description = "Port of the proxy in front of the nodes; 0 picks a free one.", DefaultValueFactory = _ => 8080 };
        var proxy = new Option<string>("--proxy") { Description = "nginx or haproxy.", DefaultValueFactory = _ => "nginx" };
        var redisShards = new Option<int>("--redis-shards")
        {
            Description = "0: one redis-server. 3 to 16: a Redis Cluster of that many primaries, each with one replica, and every node given all its endpoints.",
            DefaultValueFactory = _ => 0,
        };
        var broker = new Option<string>("--broker") { Description = "What carries the fan-out between nodes: redis (the cluster's Redis), rabbitmq or nats (a server started with the cluster; Redis still holds presence, limits and the registry).", DefaultValueFactory = _ => "redis" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Once up, print every program's log lines as they are written (as 'parley cluster logs --follow')." };
        var state = StateOption();
        var up = new Command("up", "Start Redis, PostgreSQL, the auth service, the nodes and a proxy on loopback (and RabbitMQ or NATS with --broker); Ctrl-C or 'parley cluster down' stops them all.") { nodes, port, proxy, redisShards, broker, state, follow };
        up.SetAction(async (result, cancellationToken) =>
        {
            var count = result.GetValue(nodes);
            var kind = result.GetValue(proxy) switch { "nginx" => (ProxyKind?)ProxyKind.Nginx, "haproxy" => ProxyKind.Haproxy, _ => null };
            var shards = result.GetValue(redisShards);
            var brokerKind = new BrokerOptions { Kind = result.GetValue(broker) ?? "" }.ParsedKind;
            if (count is < 1 or > 32 || kind is null || shards is not (0 or (>= 3 and <= 16)) || brokerKind is null)
            {
                Console.Error.WriteLine("parley cluster up: --nodes must be 1 to 32, --proxy nginx or haproxy, --redis-shards 0 (one redis-server) or 3 to 16, and --broker redis, rabbitmq or nats.");
                return 2;
            }

            // Ctrl-C and SIGTERM both stop the cluster cleanly: every child is stopped before exit.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            using var onInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            cancellationToken = stop.Token;

            var directory = Path.GetFullPath(result.GetValue(state)!);
            var proxyPort = result.GetValue(port);
            var spec = new LocalClusterSpec(count, kind.Value, proxyPort == 0 ? Ports.Free() : proxyPort, directory, ParleyLauncher.Current())
            {
                PostgresDirectory = ClusterState.PostgresDirectoryFor(directory),
                RedisShards = shards,
                Broker = brokerKind.Value,
            };
            LocalCluster cluster;
            try
            {
                cluster = await LocalCluster.StartAsync(spec, Console.WriteLine, cancellationToken);
            }
            catch (MissingProgramException e)
            {
                Console.Error.WriteLine("parley cluster up: " + e.Message);
                return 3;
            }
            catch (ClusterStateBusyException e)
            {
                Console.Error.WriteLine("parley cluster up: " + e.Message);
                return 4;
            }
            catch (NotServingException e)
            {
                Console.Error.WriteLine($"parley cluster up: {e.Part} is not serving, so the cluster is not up; everything started was stopped.");
                Console.Error.WriteLine(e.Message);
                return NotServingExitCode;
            }
            catch (OperationCanceledException)
            {
                return 130;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
            {
                // initdb failing, a database that cannot be created, a state directory that cannot be written.
                Console.Error.WriteLine($"parley cluster up: the cluster could not be started, and everything started was stopped: {e.Message}");
                return NotServingExitCode;
            }

            await using (cluster)
            {
                var file = new ClusterFile(
                    cluster.Proxy.HttpUri.ToString(), cluster.Proxy.WebSocketUri.ToString(), cluster.Auth.HttpUri.ToString(), cluster.Auth.OperatorToken, Environment.ProcessId,
                    [.. cluster.Nodes.Select(n => new ClusterFileNode(n.NodeId, n.HttpUri.ToString()))], cluster.RedisConfiguration, spec.RedisShards);
                file.Write(directory);
                try
                {
                    PrintSummary(directory, spec, file);
                    if (result.GetValue(follow))
                    {
                        await new LogFollower(cluster.LogDirectory, Console.Out).FollowAsync(cancellationToken);
                    }

                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Console.WriteLine("Stopping the cluster…");
                }
                finally
                {
                    ClusterFile.Delete(directory);
                }
            }

            return 0;
        });
        return up;
    }

    private static void PrintSummary(string directory, LocalClusterSpec spec, ClusterFile file)
    {
        var isDefault = directory == Path.GetFullPath(ClusterState.DefaultDirectory());
        var stateOption = isDefault ? "" : $" --state '{directory}'";
        Console.WriteLine();
        Console.WriteLine($"State in {directory}; PostgreSQL's data in {spec.PostgresDirectory}.");
        Console.WriteLine($"Proxy          {file.ProxyUrl}  (WebSocket {file.WebSocketUrl})");
        Console.WriteLine($"Auth service   {file.AuthUrl}");
        Console.WriteLine($"Operator token {file.OperatorToken}");
        Console.WriteLine($"These are in {ClusterFile.PathIn(directory)}; parley tenant, user, apikey and login use them{(isDefault ? "" : " with" + stateOption)} when given no --auth.");
        Console.WriteLine($"Cluster up. Next: parley tenant create acme --admin root --password -{stateOption}");
        Console.WriteLine($"            or a development token: parley token {(isDefault ? "--cluster" : $"--data '{directory}'")} --tenant acme --user alice --rooms '*'");
        Console.WriteLine($"Ctrl-C (or 'parley cluster down{stateOption}') stops everything; 'parley cluster status{stateOption}' shows every part.");
    }

    private static Command LogsCommand()
    {
        var state = StateOption();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing lines as they are written, until Ctrl-C." };
        var lines = new Option<int>("--lines", "-n") { Description = "Lines to print from the end of each log first.", DefaultValueFactory = _ => 20 };
        var logs = new Command("logs", "Print the logs of the programs of a local cluster (redis-server, postgresql, auth, each node, the proxy).") { state, follow, lines };
        logs.SetAction(async (result, cancellationToken) =>
        {
            var directory = LocalCluster.LogDirectoryOf(Path.GetFullPath(result.GetValue(state)!));
            if (!Directory.Exists(directory))
            {
                Console.Error.WriteLine($"parley cluster logs: no logs in {directory}; has 'parley cluster up' run with this state directory?");
                return 1;
            }

            var follower = new LogFollower(directory, Console.Out);
            follower.PrintTail(Math.Max(0, result.GetValue(lines)));
            if (result.GetValue(follow))
            {
                await follower.FollowAsync(cancellationToken);
            }

            return 0;
        });
        return logs;
    }
}
