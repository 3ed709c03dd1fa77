using System.Diagnostics;
using Parley.Tests.Bench;
using Xunit;

namespace Parley.Tests.Repository;

/// <summary>
/// bench/results keeps what a reader needs (the tables, the JSON results and the pictures); the raw
/// logs a run writes next to them stay on the machine that ran it.
/// </summary>
public sealed class BenchResultsTests
{
    private static readonly string[] RawLogs = [".log", "samples.txt"];

    [Fact]
    public void No_raw_benchmark_log_is_tracked()
    {
        var tracked = Git("ls-files", "--", "bench/results").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(tracked, path => RawLogs.Any(end => path.EndsWith(end, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("bench/results/2026-11-25-broadcast/parley/bench.log")]
    [InlineData("bench/results/2026-11-25-broadcast/parley/server.log")]
    [InlineData("bench/results/run-parley-embedded-20260101-000000/bench.log")]
    [InlineData("bench/results/2026-12-03-soak/samples.txt")]
    public void A_raw_log_a_run_writes_is_ignored(string path)
    {
        Assert.Equal(path, Git("check-ignore", "--no-index", "--", path).Trim());
    }

    [Theory]
    [InlineData("bench/results/2026-11-25-broadcast.md")]
    [InlineData("bench/results/2026-11-25-broadcast/parley/server.json")]
    [InlineData("bench/results/2026-12-03-soak/soak.json")]
    [InlineData("bench/results/2026-12-03-soak/soak.svg")]
    public void A_result_table_json_or_picture_is_not_ignored(string path)
    {
        Assert.Equal("", Git("check-ignore", "--no-index", "--", path).Trim());
    }

    private static string Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = PeersProcess.RepositoryRoot() };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        _ = git.StandardError.ReadToEndAsync();
        Assert.True(git.WaitForExit(TimeSpan.FromSeconds(30)), "git answers within 30 s");
        return output.Result;
    }
}
