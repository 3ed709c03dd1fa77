using System.Diagnostics;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>
/// The ledger that keeps killed test runs from leaving servers behind, on real processes: a
/// <c>sleep</c> stands for a server, a finished <c>true</c> for a test host that was killed. Each
/// test sweeps a ledger directory of its own, never the run's.
/// </summary>
public sealed class ServerLedgerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-ledger-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _started = [];

    public ServerLedgerTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_server_whose_test_host_is_gone_is_killed_and_its_directory_and_record_removed()
    {
        var ledger = new ServerLedger(Path.Combine(_root, "ledger"));
        var server = Spawn("sleep", "300");
        var data = Path.Combine(Path.GetTempPath(), "parley-ledger-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "dump.rdb"), "left behind");
        var (host, hostStart) = DeadHost();
        ledger.Write(Record(host, hostStart, server, data));

        Assert.Equal(1, ledger.Sweep());

        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)), "the server was killed");
        Assert.False(Directory.Exists(data));
        Assert.Empty(Directory.EnumerateFiles(ledger.Directory));
    }

    [Fact]
    public void A_pid_reused_or_now_running_another_program_is_not_killed_and_its_stale_record_is_removed()
    {
        var ledger = new ServerLedger(Path.Combine(_root, "ledger"));
        var other = Spawn("sleep", "301");
        var (host, hostStart) = DeadHost();
        var record = Record(host, hostStart, other);
        ledger.Write(record with { Start = record.Start - 1 });
        ledger.Write(record with { Executable = "/usr/bin/redis-server", CommandLine = ["/usr/bin/redis-server", "--port", "6379"] });

        Assert.Equal(0, ledger.Sweep());

        Assert.False(other.HasExited);
        Assert.Empty(Directory.EnumerateFiles(ledger.Directory));
    }

    [Fact]
    public void A_server_of_a_test_host_still_running_is_left_alone_with_its_record()
    {
        var ledger = new ServerLedger(Path.Combine(_root, "ledger"));
        var server = Spawn("sleep", "302");
        ledger.Write(Record(Environment.ProcessId, ServerLedger.StartTime(Environment.ProcessId)!.Value, server));

        Assert.Equal(0, ledger.Sweep());

        Assert.False(server.HasExited);
        Assert.Single(Directory.EnumerateFiles(ledger.Directory));
    }

    [Fact]
    public async Task Every_server_the_tests_start_is_written_down_in_the_runs_ledger()
    {
        await using var redis = await Parley.Server.Cluster.Local.LocalRedis.StartAsync();
        var pid = redis.Process.Id;

        var records = Directory.EnumerateFiles(ServerLedger.Shared.Directory, $"{Environment.ProcessId}-*-{pid}-*.json");

        Assert.Single(records);
    }

    private Process Spawn(string program, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        _started.Add(process);
        return process;
    }

    /// <summary>A process that has exited and been reaped: what a killed test host leaves.</summary>
    private (int Pid, long Start) DeadHost()
    {
        using var host = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var start = ServerLedger.StartTime(host.Id)!.Value;
        host.Kill();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(10)), "the stand-in test host was killed");
        return (host.Id, start);
    }

    private static ServerLedger.Entry Record(int host, long hostStart, Process server, params string[] directories)
    {
        var start = ServerLedger.StartTime(server.Id);
        var commandLine = ServerLedger.CommandLine(server.Id);
        Assert.NotNull(start);
        Assert.NotNull(commandLine);
        return new ServerLedger.Entry(host, hostStart, server.Id, start.Value, ServerLedger.Executable(server.Id), commandLine, directories);
    }
}
