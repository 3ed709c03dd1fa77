using System.Net.Sockets;
using System.Text;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// Peers that open TCP connections and say nothing, or half a request head: each holds a file
/// descriptor, and a node at its open-file limit must neither spin nor die. The nodes at a low
/// limit run as child processes, since the limit is the process's own.
/// </summary>
public sealed class ConnectionFloodTests
{
    /// <summary>The open-file limit of the child nodes: low, yet above the runtime's ~300 at start.</summary>
    private const int OpenFiles = 1024;

    private static readonly byte[] HalfAHead = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr"u8.ToArray();

    [Fact]
    public async Task A_node_at_its_open_file_limit_stays_up_closes_the_silent_sockets_and_serves_a_new_client()
    {
        using var node = await StartLimitedAsync();
        using var silent = await SilentSockets.OpenAsync(node.Port, OpenFiles + 100);

        await Eventually.TrueAsync(() => silent.ClosedByNode() == silent.Count, "the node closes every silent socket", TimeSpan.FromSeconds(30));
        Assert.False(node.Process.HasExited, node.Process.Output);
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync("""{"op":"ping","rid":1}""");
        await client.ExpectAsync("pong");
    }

    [Fact]
    public async Task A_node_refuses_to_start_with_a_cap_that_leaves_too_few_descriptors_free()
    {
        var data = Path.Combine(Path.GetTempPath(), "parley-flood-" + Guid.NewGuid().ToString("N"));
        using var process = ParleyProcess.StartWithOpenFileLimit(
            OpenFiles,
            ["serve", "--data", data, "--urls", $"http://127.0.0.1:{ParleyProcess.FreePort()}", $"--Parley:Auth:HmacSecret={TestNode.Secret}", "--Parley:Limits:MaxConnections=1000"]);

        await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Parley:Limits:MaxConnections (1000) must leave 512 of the process's open-file limit (1024) free", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_at_its_open_file_limit_keeps_serving_its_clients_while_half_sent_heads_flood_in()
    {
        using var node = await StartLimitedAsync();
        await using var member = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "member"));
        using var halfSent = await SilentSockets.OpenAsync(node.Port, OpenFiles + 100, HalfAHead);

        await member.SendAsync("""{"op":"ping","rid":1}""");
        await member.ExpectAsync("pong", timeout: TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(() => halfSent.ClosedByNode() == halfSent.Count, "the node closes every half-sent head", TimeSpan.FromSeconds(30));
        Assert.False(node.Process.HasExited, node.Process.Output);
        await using var newcomer = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "newcomer"));
        await newcomer.SendAsync("""{"op":"ping","rid":2}""");
        await newcomer.ExpectAsync("pong");
    }

    [Fact]
    public async Task A_node_that_runs_out_of_descriptors_pauses_accepting_keeps_serving_and_never_dies()
    {
        // The cap is worked out for 1024 descriptors; lowered to 600 under the running node, the
        // connections it lets in exhaust them, as a store or Redis holding more than the reserve would.
        using var node = await StartLimitedAsync();
        await using var member = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "member"));
        using (var lower = System.Diagnostics.Process.Start("prlimit", ["--pid", node.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--nofile=600:600"]))
        {
            await lower.WaitForExitAsync();
            Assert.Equal(0, lower.ExitCode);
        }

        using var halfSent = await SilentSockets.OpenAsync(node.Port, OpenFiles + 100, HalfAHead);

        await member.SendAsync("""{"op":"ping","rid":1}""");
        await member.ExpectAsync("pong", timeout: TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(() => halfSent.ClosedByNode() == halfSent.Count, "the node closes every half-sent head", TimeSpan.FromSeconds(30));
        Assert.False(node.Process.HasExited, node.Process.Output);
        Assert.Contains("is paused: TooManyOpenSockets", node.Process.Output, StringComparison.Ordinal);
        await using var newcomer = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "newcomer"));
        await newcomer.SendAsync("""{"op":"ping","rid":2}""");
        await newcomer.ExpectAsync("pong");
    }

    [Fact]
    public async Task Connections_past_the_cap_are_closed_at_once_and_the_cap_frees_as_connections_go()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:MaxConnections"] = "4",
            ["Parley:Limits:RequestHeadTimeout"] = "00:01:00",
        });
        var port = node.HttpUri.Port;
        using var holders = await SilentSockets.OpenAsync(port, 4);
        using var refused = await SilentSockets.OpenAsync(port, 1);

        await Eventually.TrueAsync(() => refused.ClosedByNode() == 1, "the connection past the cap is closed");
        Assert.Equal(0, holders.ClosedByNode());
        holders.Dispose();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
                return true;
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or TimeoutException)
            {
                return false;
            }
        }, "a client connects once the holders are gone");
    }

    [Fact]
    public async Task A_silent_connection_is_closed_and_a_half_sent_head_answered_408_at_the_head_deadline()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:RequestHeadTimeout"] = "00:00:01" });
        using var silent = await SilentSockets.OpenAsync(node.HttpUri.Port, 1);
        using var halfSent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await halfSent.ConnectAsync(System.Net.IPAddress.Loopback, node.HttpUri.Port);
        await halfSent.SendAsync(HalfAHead);

        await Eventually.TrueAsync(() => silent.ClosedByNode() == 1, "the silent connection is closed");
        var answer = new byte[256];
        var length = await Eventually.WithinAsync(halfSent.ReceiveAsync(answer), "an answer to the half-sent head");
        Assert.StartsWith("HTTP/1.1 408 ", Encoding.ASCII.GetString(answer, 0, length), StringComparison.Ordinal);
        Assert.Equal(0, await Eventually.WithinAsync(halfSent.ReceiveAsync(answer), "the end of the connection"));
    }

    private static async Task<LimitedNode> StartLimitedAsync(params string[] settings)
    {
        var port = ParleyProcess.FreePort();
        var data = Path.Combine(Path.GetTempPath(), "parley-flood-" + Guid.NewGuid().ToString("N"));
        var process = ParleyProcess.StartWithOpenFileLimit(
            OpenFiles,
            ["serve", "--data", data, "--urls", $"http://127.0.0.1:{port}", $"--Parley:Auth:HmacSecret={TestNode.Secret}", "--Parley:Limits:RequestHeadTimeout=00:00:02", .. settings]);
        var node = new LimitedNode(process, port, data);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz/live"))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "the node answers", TimeSpan.FromSeconds(30));
        return node;
    }

    private sealed class LimitedNode(ParleyProcess process, int port, string data) : IDisposable
    {
        public ParleyProcess Process { get; } = process;

        public int Port { get; } = port;

        public Uri WebSocketUri { get; } = new($"ws://127.0.0.1:{port}/v1/ws");

        public void Dispose()
        {
            Process.Dispose();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
