using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Parley.Tests.Protocol;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>A connection's writer sends many queued frames in one write; frames must still arrive whole, in order, beside the WebSocket's own pongs.</summary>
public sealed class BatchedWriteTests
{
    [Fact]
    public async Task A_burst_arrives_whole_and_in_order_while_the_client_pings_the_server_throughout()
    {
        const int Messages = 400;
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PublishesPerSecond"] = "10000",
            ["Parley:Limits:PublishBurst"] = "10000",
        });

        // The client pings often and gives up on a missing pong: every pong the server's WebSocket
        // writes goes through the same stream as the batched frames.
        using var receiver = new ClientWebSocket();
        receiver.Options.KeepAliveInterval = TimeSpan.FromMilliseconds(10);
        receiver.Options.KeepAliveTimeout = TimeSpan.FromSeconds(5);
        await receiver.ConnectAsync(node.WebSocketUri, CancellationToken.None);
        await SendAsync(receiver, $$"""{"op":"connect","token":"{{TestNode.Token("acme", "bob")}}"}""");
        await SendAsync(receiver, """{"op":"join","rid":1,"room":"burst"}""");
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frames = ReadAsync(receiver, joined, stopAfterMessages: Messages);
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await using var sender = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        // Large and small bodies, so batches cross the batch size and frames need every header length.
        for (var n = 1; n <= Messages; n++)
        {
            var text = new string('x', n % 7 == 0 ? 12_000 : n % 200);
            await sender.SendAsync($$$"""{"op":"send","rid":{{{n}}},"room":"burst","id":"m-{{{n}}}","body":{"n":{{{n}}},"t":"{{{text}}}"}}""");
        }

        var received = await frames.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(1, Messages).Select(n => (long)n), received);
        Assert.Equal(WebSocketState.Open, receiver.State);
    }

    private static Task SendAsync(ClientWebSocket socket, string json)
        => socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Reads text messages until <paramref name="stopAfterMessages"/> <c>msg</c> frames; returns their sequence numbers in arrival order.</summary>
    private static async Task<List<long>> ReadAsync(ClientWebSocket socket, TaskCompletionSource joined, int stopAfterMessages)
    {
        var seqs = new List<long>();
        var buffer = new byte[64 * 1024];
        while (seqs.Count < stopAfterMessages)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            using var frame = JsonDocument.Parse(buffer.AsMemory(0, length));
            SchemaDocument.Protocol.AssertServerFrame(frame.RootElement);
            var op = frame.RootElement.GetProperty("op").GetString();
            if (op == "joined")
            {
                joined.TrySetResult();
            }
            else if (op == "msg")
            {
                Assert.Equal(seqs.Count + 1, frame.RootElement.GetProperty("body").GetProperty("n").GetInt32());
                seqs.Add(frame.RootElement.GetProperty("seq").GetInt64());
            }
        }

        return seqs;
    }
}
