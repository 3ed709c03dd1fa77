using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Protocol;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>A replay longer than the idle timeout, read by a live client, never gets that client closed as idle.</summary>
public sealed class LongReplayTests
{
    private const int Messages = 300;

    [Fact]
    public async Task A_client_reading_a_resume_replay_that_outlasts_the_idle_timeout_is_not_closed_as_idle()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PingInterval"] = "00:00:01",
            ["Parley:Limits:IdleTimeout"] = "00:00:03",
            ["Parley:Limits:OutboundQueueFrames"] = "16",
        });
        var room = StreamId.Room("acme", "archive");
        var body = Encoding.UTF8.GetBytes("\"" + new string('x', 60 * 1024) + "\"");
        foreach (var chunk in Enumerable.Range(1, Messages).Chunk(40))
        {
            await node.Service<IMessageStore>().AppendBatchAsync([.. chunk.Select(i => new AppendRequest(room, "bob", $"a-{i}", body, DateTimeOffset.UtcNow))], CancellationToken.None);
        }

        // 18 MiB, more than the sockets' buffers hold, behind a small receive window: the replay
        // can only go as fast as this client reads, 20 ms a message, some seconds in all.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8 * 1024, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new ClientWebSocket();
        await client.ConnectAsync(node.WebSocketUri, new HttpMessageInvoker(handler), CancellationToken.None);
        await SendAsync(client, $$$"""{"op":"connect","token":"{{{TestNode.Token("acme", "alice")}}}","resume":{"archive":0}}""");

        var seqs = new List<long>();
        var buffer = new byte[128 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (seqs.Count < Messages)
        {
            var frame = await ReceiveAsync(client, buffer, deadline.Token);
            if (frame is null)
            {
                Assert.Fail($"The server closed the connection ({(int?)client.CloseStatus} {client.CloseStatusDescription}) after {seqs.Count} of {Messages} replayed messages.");
            }

            using var document = JsonDocument.Parse(frame.Value);
            SchemaDocument.Protocol.AssertServerFrame(document.RootElement);
            switch (document.RootElement.GetProperty("op").GetString())
            {
                case "msg":
                    seqs.Add(document.RootElement.GetProperty("seq").GetInt64());
                    await Task.Delay(20);
                    break;
                case "ping":
                    await SendAsync(client, """{"op":"pong"}""");
                    break;
            }
        }

        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), seqs);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    private static Task SendAsync(ClientWebSocket client, string json)
        => client.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>One whole text frame, or null once the server closed.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReceiveAsync(ClientWebSocket client, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer.AsMemory(0, length);
            }
        }
    }
}
