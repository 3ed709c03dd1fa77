using System.CommandLine;
using System.Globalization;
using Parley.Bench.Soak;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley soak</c>: starts a three-node cluster on loopback (Redis, PostgreSQL, nginx), runs a
/// bounded mixed load with a node kill, a Redis restart and a PostgreSQL restart on a schedule,
/// checks that every committed message reached every member once and in order, and writes
/// soak.json and soak.svg. Exit code 0 when the check passed, 1 when it failed, 2 for a usage
/// error, 3 when a program the cluster needs is missing.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var defaults = new SoakSettings();
        var duration = new Option<string>("--duration") { Description = "How long the load runs: 90s, 30m… Default 30m.", DefaultValueFactory = _ => "30m" };
        var rooms = new Option<int>("--rooms") { Description = "Rooms. Default 12.", DefaultValueFactory = _ => defaults.Rooms };
        var members = new Option<int>("--members") { Description = "Members per room, one connection each. Default 8.", DefaultValueFactory = _ => defaults.MembersPerRoom };
        var rate = new Option<double>("--rate") { Description = "Room messages per second over all rooms. Default 100.", DefaultValueFactory = _ => defaults.RoomMessagesPerSecond };
        var directRate = new Option<double>("--direct-rate") { Description = "Direct messages per second. Default 20.", DefaultValueFactory = _ => defaults.DirectMessagesPerSecond };
        var output = new Option<string?>("--out") { Description = "Directory for soak.json and soak.svg. Default bench/results/soak-<time>." };
        var command = new Command("soak", "Run a mixed load with faults on a local three-node cluster and check that nothing acknowledged is lost.")
        {
            duration, rooms, members, rate, directRate, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!TokenCommand.TryParseDuration(result.GetValue(duration)!, out var length))
            {
                Console.Error.WriteLine("parley soak: --duration takes a number with s, m or h, such as 90s or 30m.");
                return 2;
            }

            var settings = defaults with
            {
                Duration = length,
                Rooms = result.GetValue(rooms),
                MembersPerRoom = result.GetValue(members),
                RoomMessagesPerSecond = result.GetValue(rate),
                DirectMessagesPerSecond = result.GetValue(directRate),
            };
            if (settings.Problem() is { } problem)
            {
                Console.Error.WriteLine("parley soak: " + problem);
                return 2;
            }

            var directory = Path.Combine(Path.GetTempPath(), "parley-soak-" + Guid.NewGuid().ToString("N"));
            var spec = new LocalClusterSpec(3, ProxyKind.Nginx, Ports.Free(), directory, ParleyLauncher.Current())
            {
                // Publishers here are a few members sending often; the per-connection default is for people.
                Settings = new Dictionary<string, string> { ["Parley:Limits:PublishesPerSecond"] = "1000", ["Parley:Limits:PublishBurst"] = "1000" },
            };
            LocalCluster cluster;
            try
            {
                cluster = await LocalCluster.StartAsync(spec, Console.WriteLine, cancellationToken);
            }
            catch (MissingProgramException e)
            {
                Console.Error.WriteLine("parley soak: " + e.Message);
                return 3;
            }

            SoakResult soak;
            await using (cluster)
            {
                soak = await new SoakRun(new LocalSoakCluster(cluster), settings, Console.WriteLine).RunAsync(cancellationToken);
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }

            var outDirectory = result.GetValue(output) ?? Path.Combine("bench", "results", "soak-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var (json, picture) = await SoakFiles.WriteAsync(soak, outDirectory, cancellationToken);
            Print(soak);
            Console.WriteLine($"Wrote {json} and {picture}.");
            return soak.Passed ? 0 : 1;
        });
        return command;
    }

    private static void Print(SoakResult soak)
    {
        var memory = soak.Samples.SelectMany(s => s.ResidentMegabytes).GroupBy(m => m.Key, m => m.Value).OrderBy(g => g.Key, StringComparer.Ordinal);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak {(soak.Passed ? "PASSED" : "FAILED")}: {soak.Settings.Duration.TotalMinutes:0.#} min, {soak.Acknowledged:N0} acknowledged, {soak.Refused:N0} refused, {soak.Abandoned:N0} abandoned by a restart, {soak.Delivered:N0} delivered"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lost {soak.Lost}, repeated {soak.Repeated}, out of order {soak.OutOfOrder}, duplicates dropped by clients {soak.DuplicatesDroppedByClients}, drained {soak.DrainSeconds:0.0} s after the load"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  publish-to-deliver p50 {soak.P50Milliseconds:0.0} ms, p99 {soak.P99Milliseconds:0.0} ms, max {soak.MaxMilliseconds:0} ms"));
        foreach (var fault in soak.Faults)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {fault.What} at {fault.AtSeconds:0} s, back after {fault.RecoveredAfterSeconds:0.0} s"));
        }

        foreach (var node in memory)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {node.Key} resident memory: first {node.First():0} MB, peak {node.Max():0} MB, last {node.Last():0} MB"));
        }
    }
}
