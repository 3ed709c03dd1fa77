using System.CommandLine;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley cluster down</c>: stops the <c>parley cluster up</c> that runs on a state directory,
/// as Ctrl-C in its terminal would (SIGTERM: it stops every program it started, then exits), and
/// waits until it has. With no cluster running it stops what a killed run left behind, if
/// anything, and succeeds: "down" is a state to reach, so asking twice is not an error.
/// </summary>
internal static class ClusterDownCommand
{
    /// <summary>How long <c>cluster up</c> may take to stop its programs (each has 10 s to exit after SIGTERM) before <c>down</c> gives up waiting.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var state = ClusterCommand.StateOption();
        var down = new Command("down", "Stop the local cluster that 'parley cluster up' runs on the state directory, with every program it started.") { state };
        down.SetAction(async (result, cancellationToken) =>
        {
            var directory = Path.GetFullPath(result.GetValue(state)!);
            if (ClusterFile.TryRead(directory) is not { } file)
            {
                return await StopLeftoversAsync(directory, cancellationToken);
            }

            var started = ClusterState.StartTime(file.Pid);
            Console.WriteLine($"Stopping the cluster of {directory} (parley cluster up, pid {file.Pid})…");
            LocalProcess.SignalProcess(file.Pid, LocalProcess.Signals.Term);
            var deadline = DateTime.UtcNow + StopTimeout;
            while (started is not null && ClusterState.StartTime(file.Pid) == started)
            {
                if (DateTime.UtcNow > deadline)
                {
                    Console.Error.WriteLine($"parley cluster down: pid {file.Pid} is still running {StopTimeout.TotalSeconds:0} s after SIGTERM; 'parley cluster logs --state {directory}' may say why.");
                    return 1;
                }

                await Task.Delay(100, cancellationToken);
            }

            Console.WriteLine("Cluster down.");
            return 0;
        });
        return down;
    }

    /// <summary>No run is up: opening the state stops whatever a killed run recorded and left running.</summary>
    private static async Task<int> StopLeftoversAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            Console.WriteLine($"No cluster runs on {directory}.");
            return 0;
        }

        try
        {
            using var leftovers = await ClusterState.OpenAsync(directory, cancellationToken);
        }
        catch (ClusterStateBusyException)
        {
            Console.Error.WriteLine($"parley cluster down: a 'parley cluster up' on {directory} is still starting; stop it with Ctrl-C, or run this again once it is up.");
            return 4;
        }

        Console.WriteLine($"No cluster runs on {directory}.");
        return 0;
    }
}
