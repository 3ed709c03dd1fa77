using System.CommandLine;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley cluster up</c>: Redis, PostgreSQL, N nodes and a proxy on loopback for local
/// development; prints the URLs and stops everything on Ctrl-C. Its state lives in a per-user
/// directory outside any checkout (<see cref="ClusterState"/>), and a run that was killed is
/// cleaned up by the next one with the same state.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Number of Parley nodes.", DefaultValueFactory = _ => 3 };
        var port = new Option<int>("--port") { Description = "Port of the proxy in front of the nodes; 0 picks a free one.", DefaultValueFactory = _ => 8080 };
        var proxy = new Option<string>("--proxy") { Description = "nginx or haproxy.", DefaultValueFactory = _ => "nginx" };
        var state = new Option<string>("--state", "--dir")
        {
            Description = "State directory: the shared development key, the nodes' and the proxy's files, PostgreSQL's data (under root: a temporary directory named after it). Default $XDG_STATE_HOME/parley/cluster, else ~/.local/state/parley/cluster.",
            DefaultValueFactory = _ => ClusterState.DefaultDirectory(),
        };
        var up = new Command("up", "Start Redis, PostgreSQL, the nodes and a proxy on loopback; Ctrl-C stops them all.") { nodes, port, proxy, state };
        up.SetAction(async (result, cancellationToken) =>
        {
            var count = result.GetValue(nodes);
            var kind = result.GetValue(proxy) switch { "nginx" => (ProxyKind?)ProxyKind.Nginx, "haproxy" => ProxyKind.Haproxy, _ => null };
            if (count is < 1 or > 32 || kind is null)
            {
                Console.Error.WriteLine("parley cluster up: --nodes must be 1 to 32 and --proxy nginx or haproxy.");
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
            catch (OperationCanceledException)
            {
                return 130;
            }

            await using (cluster)
            {
                Console.WriteLine();
                Console.WriteLine($"State in {directory}; PostgreSQL's data in {spec.PostgresDirectory}.");
                var data = directory == Path.GetFullPath(ClusterState.DefaultDirectory()) ? "--cluster" : $"--data '{directory}'";
                Console.WriteLine($"Cluster up. Mint a token: parley token {data} --tenant acme --user alice --rooms '*'");
                Console.WriteLine("Ctrl-C stops everything.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Console.WriteLine("Stopping the cluster…");
                }
            }

            return 0;
        });
        return new Command("cluster", "Run a local cluster for development.") { up };
    }
}
