using System.Globalization;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>
/// Where <c>parley cluster up</c> keeps its state (the development key among it), and how a run
/// that was killed with SIGKILL is cleaned up by the next run with the same state.
/// </summary>
public sealed class ClusterStateTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "parley-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var directory in new[] { _state, ClusterState.PostgresDirectoryFor(_state) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void The_default_state_directory_is_under_xdg_state_home_else_under_local_state_in_the_home_directory()
    {
        Assert.Equal("/var/lib/me/parley/cluster", ClusterState.DefaultDirectory("/var/lib/me", "/home/me"));
        Assert.Equal("/home/me/.local/state/parley/cluster", ClusterState.DefaultDirectory(null, "/home/me"));
        Assert.Equal("/home/me/.local/state/parley/cluster", ClusterState.DefaultDirectory("relative/state", "/home/me"));
    }

    [Fact]
    public async Task A_second_run_on_the_same_state_is_refused_while_the_first_holds_it()
    {
        using (await ClusterState.OpenAsync(_state))
        {
            await Assert.ThrowsAsync<ClusterStateBusyException>(() => ClusterState.OpenAsync(_state));
        }

        using var next = await ClusterState.OpenAsync(_state);
        Assert.Equal(Path.GetFullPath(_state), next.Directory);
    }

    [Fact]
    public async Task Opening_the_state_stops_the_programs_a_run_that_died_had_recorded()
    {
        await using var orphan = LocalProcess.Start("sleep", "sleep", ["300"]);
        var died = await ClusterState.OpenAsync(_state);
        died.Record(orphan);

        // The run dies without stopping its program: its lock goes, its record stays.
        died.Dispose();
        using var next = await ClusterState.OpenAsync(_state);

        await Eventually.TrueAsync(() => orphan.HasExited, "the recorded program was stopped");
        Assert.False(File.Exists(Path.Combine(_state, "processes")));
    }

    [Fact]
    public async Task Token_with_cluster_mints_with_the_key_in_the_default_state_directory()
    {
        var environment = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = _state };
        Parley.Node.Auth.DevelopmentKey.LoadOrCreate(Path.Combine(_state, "parley", "cluster"));
        var (exit, token) = await ParleyProcess.RunAsync(environment, "token", "--cluster", "--tenant", "acme", "--user", "alice");

        Assert.Equal(0, exit);
        Assert.Equal(3, token.Split('.').Length);
    }

    [Fact]
    public async Task A_second_cluster_up_stops_what_a_killed_one_left_running_and_reuses_its_postgres_directory()
    {
        var postmasterPidFile = Path.Combine(ClusterState.PostgresDirectoryFor(_state), "data", "postmaster.pid");

        using (var killed = await UpAsync())
        {
            Assert.True(File.Exists(Path.Combine(_state, "dev-signing.key")));
            var left = Recorded();
            Assert.NotEmpty(left);
            var postmaster = Pid(File.ReadLines(postmasterPidFile).First());
            var postmasterStarted = ClusterState.StartTime(postmaster);
            Process(killed.Id).Kill();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(10));

            using var second = await UpAsync();

            Assert.All(left, p => Assert.NotEqual(p.Started, ClusterState.StartTime(p.Pid)));
            Assert.NotEqual(postmasterStarted, ClusterState.StartTime(postmaster));
            Assert.True(ClusterState.StartTime(Pid(File.ReadLines(postmasterPidFile).First())) is not null, "the new PostgreSQL runs from the same directory");

            // A token minted with the state directory's key works against the new run.
            var (exit, token) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--data", _state);
            Assert.Equal(0, exit);
            await using (await RawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{ProxyPort(second.Output)}/v1/ws"), token))
            {
            }

            second.Terminate();
            await second.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, second.ExitCode);
            Assert.Empty(Recorded());
        }
    }

    private async Task<ParleyProcess> UpAsync()
    {
        var cluster = ParleyProcess.Start("cluster", "up", "--nodes", "1", "--port", "0", "--state", _state);
        await Eventually.TrueAsync(() => cluster.Output.Contains("Cluster up.", StringComparison.Ordinal) || cluster.HasExited, "the cluster reports it is up", TimeSpan.FromSeconds(90));
        Assert.False(cluster.HasExited, cluster.Output);
        return cluster;
    }

    /// <summary>The programs the run recorded in its state directory: process id and start time.</summary>
    private List<(int Pid, long Started)> Recorded()
    {
        var path = Path.Combine(_state, "processes");
        return !File.Exists(path) ? [] : [.. File.ReadLines(path).Select(l => l.Split(' ')).Select(f => (Pid(f[0]), long.Parse(f[1], CultureInfo.InvariantCulture)))];
    }

    private static int Pid(string text) => int.Parse(text.Trim(), CultureInfo.InvariantCulture);

    private static System.Diagnostics.Process Process(int pid) => System.Diagnostics.Process.GetProcessById(pid);

    /// <summary>The proxy's port from the line the cluster printed for it.</summary>
    private static int ProxyPort(string output)
    {
        var line = output.Split('\n').First(l => l.StartsWith("nginx", StringComparison.Ordinal));
        var url = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new Uri(url).Port;
    }
}
