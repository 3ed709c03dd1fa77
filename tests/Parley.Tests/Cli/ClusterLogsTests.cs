using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary><c>parley cluster logs</c>: each program's log, named, and followed as it grows.</summary>
public sealed class ClusterLogsTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "parley-logs-" + Guid.NewGuid().ToString("N"));

    public ClusterLogsTests() => Directory.CreateDirectory(Path.Combine(_state, "logs"));

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Cluster_logs_prints_the_last_lines_of_each_program_and_follows_what_is_appended()
    {
        await File.WriteAllLinesAsync(Path.Combine(_state, "logs", "nginx.log"), ["old line", "bind() failed"]);
        await File.WriteAllLinesAsync(Path.Combine(_state, "logs", "node-1.log"), ["node started"]);

        var (exit, tail) = await ParleyProcess.RunAsync("cluster", "logs", "--state", _state, "-n", "1");
        Assert.Equal(0, exit);
        Assert.Equal(["nginx          | bind() failed", "node-1         | node started"], tail.Split('\n', StringSplitOptions.TrimEntries));

        using var follow = ParleyProcess.Start("cluster", "logs", "--state", _state, "-n", "0", "--follow");

        // One line appended per poll: the first that is printed shows the follower is reading.
        var appended = 0;
        await Eventually.TrueAsync(async () =>
        {
            await File.AppendAllLinesAsync(Path.Combine(_state, "logs", "node-1.log"), [$"a new line {++appended}"]);
            return follow.Output.Contains("node-1         | a new line", StringComparison.Ordinal);
        }, "an appended line is printed", TimeSpan.FromSeconds(30));
        await File.WriteAllLinesAsync(Path.Combine(_state, "logs", "node-2.log"), ["a new program"]);

        await Eventually.TrueAsync(() => follow.Output.Contains("node-2         | a new program", StringComparison.Ordinal), "a new log file is followed");
        Assert.DoesNotContain("node started", follow.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_logs_says_when_a_state_directory_has_no_logs()
    {
        var (exit, output) = await ParleyProcess.RunAsync("cluster", "logs", "--state", Path.Combine(_state, "nothing"));

        Assert.Equal(1, exit);
        Assert.Contains("no logs in", output, StringComparison.Ordinal);
    }
}
