using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>
/// <c>parley cluster up</c> as a new user meets it: it says "up" only when every program serves,
/// names the one that does not, and leaves what the other commands need where they find it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ClusterUpTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoAuthInEnvironment = new()
    {
        ["PARLEY_AUTH_URL"] = null,
        ["PARLEY_OPERATOR_TOKEN"] = null,
    };

    private readonly string _state = Path.Combine(Path.GetTempPath(), "parley-up-" + Guid.NewGuid().ToString("N"));

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
    public async Task Cluster_up_fails_naming_the_proxy_and_its_port_when_another_program_holds_it_and_leaves_nothing_running()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        using var cluster = ParleyProcess.Start("cluster", "up", "--nodes", "1", "--port", port.ToString(CultureInfo.InvariantCulture), "--state", _state);
        await cluster.WaitForExitAsync(TimeSpan.FromSeconds(120));

        var output = cluster.Output;
        Assert.Equal(ClusterExitCodes.NotServing, cluster.ExitCode);
        Assert.DoesNotContain("Cluster up", output, StringComparison.Ordinal);
        Assert.Contains($"nginx on 127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.Contains("Address already in use", output, StringComparison.Ordinal);

        // The log file named at start holds the proxy's own words.
        var logs = Path.Combine(_state, "logs");
        Assert.Contains($"Logs in {logs}", output, StringComparison.Ordinal);
        Assert.Contains("Address already in use", await File.ReadAllTextAsync(Path.Combine(logs, "nginx.log")), StringComparison.Ordinal);

        // Everything it started is stopped: the programs it printed and any that names its directories.
        var started = Pids().Matches(output).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(started.Count >= 3, output);
        await Eventually.TrueAsync(() => started.All(pid => ClusterState.StartTime(pid) is null), "every program it started has exited", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => ProcessesNaming(_state, ClusterState.PostgresDirectoryFor(_state)).Count == 0, "no process runs on its state", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cluster_up_writes_its_addresses_and_operator_token_where_the_admin_commands_and_login_find_them()
    {
        using var cluster = ParleyProcess.Start("cluster", "up", "--nodes", "1", "--port", "0", "--state", _state);
        await Eventually.TrueAsync(() => cluster.Output.Contains("Cluster up.", StringComparison.Ordinal) || cluster.HasExited, "the cluster reports it is up", TimeSpan.FromSeconds(120));
        Assert.False(cluster.HasExited, cluster.Output);

        var file = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "cluster.json"))).RootElement;
        var proxy = file.GetProperty("proxy_url").GetString()!;
        var operatorToken = file.GetProperty("operator_token").GetString()!;
        Assert.Contains(proxy, cluster.Output, StringComparison.Ordinal);
        Assert.Contains(file.GetProperty("auth_url").GetString()!, cluster.Output, StringComparison.Ordinal);
        Assert.Contains(operatorToken, cluster.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_state, "cluster.json")));

        // No --auth, no environment: the commands use the cluster's service and token, and say so.
        var password = AuthServiceNode.Password + "\n";
        var (created, createdOutput) = await ParleyProcess.RunWithInputAsync(password, NoAuthInEnvironment, "tenant", "create", "acme", "--admin", "root", "--password", "-", "--state", _state);
        Assert.True(created == 0, createdOutput);
        Assert.Contains("using the local cluster's auth service and operator token", createdOutput, StringComparison.Ordinal);
        var (added, addedOutput) = await ParleyProcess.RunWithInputAsync(password, NoAuthInEnvironment, "user", "add", "acme", "alice", "--password", "-", "--rooms", "*", "--state", _state);
        Assert.True(added == 0, addedOutput);

        var (loggedIn, loginOutput) = await ParleyProcess.RunWithInputAsync(password, NoAuthInEnvironment, "login", "--tenant", "acme", "--user", "alice", "--password-stdin", "--state", _state);
        Assert.True(loggedIn == 0, loginOutput);
        Assert.DoesNotContain(AuthServiceNode.Password, loginOutput, StringComparison.Ordinal);
        var token = loginOutput.Split('\n', StringSplitOptions.TrimEntries).Single(l => Jwt().IsMatch(l));
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "login.json"))).RootElement;
        Assert.Equal(token, stored.GetProperty("access_token").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_state, "login.json")));

        // The logged-in user's token opens a connection through the proxy.
        var webSocket = new Uri(file.GetProperty("websocket_url").GetString()!);
        await using (var client = await RawClient.ConnectAsync(webSocket, token))
        {
            var connected = client.All("connected")[0];
            Assert.Equal(("acme", "alice"), (connected.GetProperty("tenant").GetString(), connected.GetProperty("user").GetString()));
        }

        var (wrong, wrongOutput) = await ParleyProcess.RunWithInputAsync("not the password\n", NoAuthInEnvironment, "login", "--tenant", "acme", "--user", "alice", "--password-stdin", "--state", _state);
        Assert.Equal(1, wrong);
        Assert.Contains("parley: invalid_credentials", wrongOutput, StringComparison.Ordinal);

        cluster.Terminate();
        await cluster.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, cluster.ExitCode);
        Assert.False(File.Exists(Path.Combine(_state, "cluster.json")), "a stopped cluster's file is removed");
    }

    /// <summary>Processes whose command line names one of <paramref name="paths"/>.</summary>
    private static List<int> ProcessesNaming(params string[] paths)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ');
                if (paths.Any(p => commandLine.Contains(p, StringComparison.Ordinal)) && ClusterState.StartTime(pid) is not null)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone while reading.
            }
        }

        return found;
    }

    [Fact]
    public async Task Cluster_up_refuses_a_broker_it_does_not_know_and_names_the_ones_it_does()
    {
        var (exitCode, output) = await ParleyProcess.RunAsync("cluster", "up", "--broker", "kafka", "--state", Path.Combine(Path.GetTempPath(), "parley-unused-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(2, exitCode);
        Assert.Contains("--broker redis, rabbitmq or nats", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"pid (\d+)")]
    private static partial Regex Pids();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]
    private static partial Regex Jwt();

    /// <summary>The exit code <c>cluster up</c> documents for a program that did not come up serving.</summary>
    private static class ClusterExitCodes
    {
        public const int NotServing = 5;
    }
}
