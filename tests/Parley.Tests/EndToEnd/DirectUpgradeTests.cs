using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// Upgrades to <c>/v1/ws</c> over raw TCP: a plain one is answered before the HTTP server sees it
/// (its 101 carries no Date header, which Kestrel's always does); one the direct path does not take
/// goes through the HTTP pipeline; both are served the same protocol.
/// </summary>
public sealed class DirectUpgradeTests : IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private string Head(params string[] extra)
        => string.Join("\r\n", [
            "GET /v1/ws HTTP/1.1", $"Host: {_node.WebSocketUri.Authority}", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Version: 13", $"Sec-WebSocket-Key: {Key}", .. extra, "", ""]);

    [Fact]
    public async Task An_upgrade_and_its_connect_frame_in_one_write_are_answered_directly_and_served()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        var connect = Encoding.UTF8.GetBytes($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}""");
        byte[] both = [.. Encoding.ASCII.GetBytes(Head()), .. MaskedTextFrame(connect)];
        await stream.WriteAsync(both);

        var response = await ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains($"Sec-WebSocket-Accept: {ExpectedAccept(Key)}\r\n", response);
        Assert.DoesNotContain("Date:", response);
        using var socket = WebSocket.CreateFromStream(stream, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("op").GetString());
    }

    [Fact]
    public async Task The_bearer_header_of_a_direct_upgrade_authenticates_a_connect_without_a_token()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head($"Authorization: Bearer {TestNode.Token("acme", "alice")}")));
        Assert.DoesNotContain("Date:", await ReadHeadAsync(stream));

        using var socket = WebSocket.CreateFromStream(stream, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        await socket.SendAsync("""{"op":"connect"}"""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var connected = await ReceiveAsync(socket);
        Assert.Equal("connected", connected.GetProperty("op").GetString());
        Assert.Equal("alice", connected.GetProperty("user").GetString());
    }

    [Fact]
    public async Task An_upgrade_the_direct_path_does_not_take_is_upgraded_by_the_http_pipeline_and_served()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        // A head longer than the direct path reads.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head("Cookie: " + new string('c', 9_000))));

        var response = await ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains("Date:", response);
        Assert.Contains($"Sec-WebSocket-Accept: {ExpectedAccept(Key)}\r\n", response);
        using var socket = WebSocket.CreateFromStream(stream, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        await socket.SendAsync(Encoding.UTF8.GetBytes($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}"""), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("op").GetString());
    }

    [Fact]
    public async Task A_malformed_upgrade_gets_the_http_pipelines_400()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head().Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", StringComparison.Ordinal)));

        Assert.StartsWith("HTTP/1.1 400 ", await ReadHeadAsync(stream));
    }

    [Fact]
    public async Task A_client_that_never_answers_the_servers_close_is_disconnected_after_the_grace()
    {
        // Its own node: the client is closed for idling (it answers no pings), and then never
        // answers the close either; the server's read of that socket waits without a token, so
        // only the close's deadline can end the connection.
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PingInterval"] = "00:00:00.5",
            ["Parley:Limits:IdleTimeout"] = "00:00:01",
        });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.WebSocketUri.Host, node.WebSocketUri.Port);
        var stream = tcp.GetStream();
        var connect = Encoding.UTF8.GetBytes($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}""");
        byte[] both = [.. Encoding.ASCII.GetBytes(Head().Replace(_node.WebSocketUri.Authority, node.WebSocketUri.Authority, StringComparison.Ordinal)), .. MaskedTextFrame(connect)];
        await stream.WriteAsync(both);
        Assert.DoesNotContain("Date:", await ReadHeadAsync(stream));

        byte[] frame;
        do
        {
            frame = await ReadFrameAsync(stream);
        }
        while (frame[0] != 0x88);

        Assert.Equal(4002, (frame[1] << 8) | frame[2]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[256];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, deadline.Token);
        }
        catch (IOException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
    }

    /// <summary>One unmasked server frame with a payload under 126 bytes or a 16-bit length.</summary>
    private static async Task<byte[]> ReadFrameAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var header = new byte[4];
        await stream.ReadExactlyAsync(header.AsMemory(0, 2), timeout.Token);
        var length = header[1] & 0x7F;
        if (length == 126)
        {
            await stream.ReadExactlyAsync(header.AsMemory(2, 2), timeout.Token);
            length = (header[2] << 8) | header[3];
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, timeout.Token);
        return [header[0], .. payload];
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(_node.WebSocketUri.Host, _node.WebSocketUri.Port);
        return tcp;
    }

    private static string ExpectedAccept(string key)
        => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    /// <summary>Reads byte by byte up to the blank line, so nothing after the head is taken from the stream.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    private static byte[] MaskedTextFrame(byte[] payload)
    {
        var frame = new List<byte> { 0x81 };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else
        {
            frame.AddRange([0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length]);
        }

        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        return [.. frame];
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }
}
