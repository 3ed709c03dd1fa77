using System.Text.RegularExpressions;
using Parley.Tests.Bench;
using Xunit;

namespace Parley.Tests.Time;

/// <summary>
/// The node reads time only through its injected <see cref="TimeProvider"/>, so tests can drive it
/// and every part of the node agrees on what time it is. The few files outside the node's runtime
/// that read the system clock directly are listed here, each with its reason.
/// </summary>
public sealed partial class OneClockTests
{
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["Parley.Server/Cli/BenchCommand.cs"] = "names a benchmark's output folder after the wall-clock time it started",
        ["Parley.Server/Cli/SoakCommand.cs"] = "names a soak run's output folder after the wall-clock time it started",
        ["Parley.Server/Cli/LoginCommand.cs"] = "tells the operator when a token fetched from the auth service expires",
        ["Parley.Server/Cluster/Local/LocalPostgres.cs"] = "the local-cluster launcher waits for a real PostgreSQL process to start",
        ["Parley.Server/Cluster/Local/Ports.cs"] = "the local-cluster launcher waits for real processes to listen",
        ["Parley.Server/Cluster/Local/Serving.cs"] = "the local-cluster launcher waits for real nodes to serve",
        ["Parley.Server/Cluster/Local/ClusterState.cs"] = "the local-cluster launcher waits for leftover real processes to exit",
        ["Parley.Server/Cluster/Local/LocalRabbitMq.cs"] = "the local-cluster launcher waits for a real RabbitMQ server to start",
        ["Parley.Server/Cluster/Local/LocalRedisCluster.cs"] = "the local-cluster launcher waits for real redis-servers to agree on their cluster",
        ["Parley.Server/Cli/ClusterDownCommand.cs"] = "waits for a real `cluster up` process to stop",
    };

    private static readonly string[] Projects = ["Parley.Node", "Parley.Server"];

    [Fact]
    public void The_node_reads_the_system_clock_only_through_its_TimeProvider()
    {
        // The node library and the host; paths are relative to src/.
        var root = Path.Combine(PeersProcess.RepositoryRoot(), "src");
        var offenders = Projects.SelectMany(project => Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .Where(path => !Allowed.ContainsKey(path))
            .SelectMany(path => File.ReadLines(Path.Combine(root, path))
                .Select((line, index) => (Path: path, Line: index + 1, Text: line))
                .Where(x => SystemClock().IsMatch(x.Text)))
            .Select(x => $"{x.Path}:{x.Line}: {x.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "Read the node's TimeProvider instead of the system clock (or list the file with its reason):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Every_file_allowed_to_read_the_system_clock_still_exists()
    {
        var root = Path.Combine(PeersProcess.RepositoryRoot(), "src");
        Assert.All(Allowed.Keys, path => Assert.True(File.Exists(Path.Combine(root, path)), path + " is allowed but gone: take it off the list."));
    }

    [GeneratedRegex(@"\bDateTimeOffset\.UtcNow\b|\bDateTime\.UtcNow\b|\bDateTime\.Now\b|\bDateTimeOffset\.Now\b|\bEnvironment\.TickCount(64)?\b")]
    private static partial Regex SystemClock();
}
