using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>The <c>parley</c> program as a user runs it: mint a token, serve, connect, stop.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "parley-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        // Under root, PostgreSQL's directory of a cluster's state lives outside it.
        foreach (var directory in new[] { _data, Parley.Server.Cluster.Local.ClusterState.PostgresDirectoryFor(_data) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Serve_starts_an_embedded_node_that_accepts_a_token_minted_by_the_token_command_and_drains_on_sigterm()
    {
        var (exit, token) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--rooms", "*", "--data", _data, "--create-key");
        Assert.Equal(0, exit);
        Assert.Equal(3, token.Split('.').Length);
        Assert.True(File.Exists(Path.Combine(_data, "dev-signing.key")));

        var port = ParleyProcess.FreePort();
        using var server = ParleyProcess.Start("serve", "--data", _data, "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/healthz/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the node answers ready", TimeSpan.FromSeconds(30));

        var health = await http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        Assert.Equal("embedded", health.GetProperty("mode").GetString());
        Assert.True(File.Exists(Path.Combine(_data, "parley.db")));
        await Eventually.TrueAsync(() => server.Output.Contains("started in embedded mode", StringComparison.Ordinal), "the node logs what started");
        var started = server.Output.Split('\n').Single(l => l.Contains("started in embedded mode", StringComparison.Ordinal));
        Assert.Contains(health.GetProperty("node").GetString()!, started, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(_data), started, StringComparison.Ordinal);
        Assert.Contains($"ws://127.0.0.1:{port}/v1/ws", started, StringComparison.Ordinal);

        var client = await RawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/v1/ws"), token);
        Assert.Equal("alice", client.All("connected")[0].GetProperty("user").GetString());

        server.Terminate();
        await client.ExpectAsync("reconnect");
        Assert.Equal(4000, await client.ExpectClosedAsync());
        await client.DisposeAsync();
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task An_edited_settings_file_applies_without_a_restart_while_the_data_directory_lies_below_it()
    {
        Directory.CreateDirectory(_data);
        var settings = Path.Combine(_data, "appsettings.json");
        await File.WriteAllTextAsync(settings, """{"Parley":{"Limits":{"MaxMessageBytes":4000}}}""");
        var (_, token) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--rooms", "*", "--data", Path.Combine(_data, "data"), "--create-key");
        var port = ParleyProcess.FreePort();
        using var server = ParleyProcess.Start("serve", "--contentRoot", _data, "--data", Path.Combine(_data, "data"), "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/healthz/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the node answers ready", TimeSpan.FromSeconds(30));
        await using var client = await RawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/v1/ws"), token);
        var body = new string('x', 2000);
        await client.SendAsync($$"""{"op":"send","rid":1,"room":"general","id":"m-1","body":"{{body}}"}""");
        await client.ExpectAsync("ack");

        await File.WriteAllTextAsync(settings, """{"Parley":{"Limits":{"MaxMessageBytes":1000}}}""");

        // One send per poll: the file is re-read within seconds, after which the same send is refused.
        var rid = 1;
        await Eventually.TrueAsync(async () =>
        {
            if (client.All("error").Any(e => e.GetProperty("code").GetString() == "body_too_large"))
            {
                return true;
            }

            rid++;
            await client.SendAsync($$"""{"op":"send","rid":{{rid}},"room":"general","id":"m-{{rid}}","body":"{{body}}"}""");
            return false;
        }, "a send over the edited limit is refused", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cluster_up_starts_a_working_cluster_behind_nginx_and_stops_everything_on_sigterm()
    {
        var port = ParleyProcess.FreePort();
        using var cluster = ParleyProcess.Start("cluster", "up", "--nodes", "2", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--state", _data);
        await Eventually.TrueAsync(() => cluster.Output.Contains("Cluster up.", StringComparison.Ordinal) || cluster.HasExited, "the cluster reports it is up", TimeSpan.FromSeconds(90));
        Assert.False(cluster.HasExited, cluster.Output);
        Assert.Contains("node-1", cluster.Output, StringComparison.Ordinal);
        Assert.Contains("node-2", cluster.Output, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{port}/", cluster.Output, StringComparison.Ordinal);

        var (exit, token) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--rooms", "*", "--data", _data);
        Assert.Equal(0, exit);
        await using (var client = await RawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/v1/ws"), token))
        {
            await client.SendAsync("""{"op":"join","rid":1,"room":"up"}""");
            await client.ExpectAsync("joined");
            await client.SendAsync("""{"op":"send","rid":2,"room":"up","id":"u-1","body":"hello cluster"}""");
            await client.ExpectAsync("msg");
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var nodes = await http.GetFromJsonAsync<JsonElement>("/api/v1/cluster");
        Assert.Equal(2, nodes.GetProperty("count").GetInt32());

        cluster.Terminate();
        await cluster.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, cluster.ExitCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/healthz/live"));
    }

    [Fact]
    public async Task Cluster_up_works_for_an_ordinary_user()
    {
        // As root the cluster runs as "nobody"; otherwise as this user. Either way PostgreSQL is
        // started directly, without runuser, and every file lands in a directory the user owns.
        var home = Path.Combine(Path.GetTempPath(), "parley-user-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(home, (UnixFileMode)0x1FF);
        }

        try
        {
            var port = ParleyProcess.FreePort();
            var environment = new Dictionary<string, string?> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["TMPDIR"] = home };
            using var cluster = ParleyProcess.StartAsOrdinaryUser("nobody", environment, "cluster", "up", "--nodes", "1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--state", Path.Combine(home, "cluster"));
            await Eventually.TrueAsync(() => cluster.Output.Contains("Cluster up.", StringComparison.Ordinal) || cluster.HasExited, "the cluster reports it is up", TimeSpan.FromSeconds(90));
            Assert.False(cluster.HasExited, cluster.Output);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var health = await http.GetFromJsonAsync<JsonElement>("/api/v1/health");
            Assert.Equal("cluster", health.GetProperty("mode").GetString());
            Assert.Equal("ok", health.GetProperty("status").GetString());

            cluster.Terminate();
            await cluster.WaitForExitAsync(TimeSpan.FromSeconds(60));
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/healthz/live"));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_refuses_to_start_with_a_bad_option_and_names_it()
    {
        var (exit, output) = await ParleyProcess.RunAsync("serve", "--data", _data, "--urls", "http://127.0.0.1:0", "--Parley:Limits:RoomsPerConnection=0");
        Assert.Equal(2, exit);
        Assert.Contains("Parley:Limits:RoomsPerConnection must be at least 1.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_refuses_an_invalid_tenant_with_a_clear_message()
    {
        var (exit, output) = await ParleyProcess.RunAsync("token", "--tenant", "../acme", "--user", "alice", "--data", _data);
        Assert.Equal(2, exit);
        Assert.Contains("tenant", output, StringComparison.OrdinalIgnoreCase);
    }
}
