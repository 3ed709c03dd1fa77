using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Parley.Node.Connections;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// What one connection may make the node hold for it: its outbound frames and pongs are bounded in
/// bytes, history pages too, and a node short of memory refuses expensive work.
/// </summary>
public sealed class OutboundBudgetTests
{
    /// <summary>A body of about 16 KB, the default largest.</summary>
    private static readonly string LargeText = new('x', 16_000);

    [Fact]
    public async Task A_client_that_asks_for_history_and_reads_nothing_is_closed_as_a_slow_consumer_while_others_are_answered()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:MaxHistoryPageBytes"] = "262144",
            ["Parley:Limits:OutboundQueueBytes"] = "1048576",
        });
        await FillAsync(node, "big", 40);
        await using var bystander = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "bystander"));
        var stalled = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "stalled"));
        stalled.PauseReading();

        // A hundred pages of 256 KiB: far more than the socket buffers and the 1 MiB budget hold.
        for (var i = 0; i < 100; i++)
        {
            await stalled.SendAsync($$"""{"op":"history","rid":{{i}},"room":"big","limit":40}""");
        }

        await Eventually.TrueAsync(async () => await SlowConsumerClosesAsync(node) >= 1, "the stalled client is closed as a slow consumer");
        await bystander.SendAsync("""{"op":"history","rid":"b","room":"big","limit":5}""");
        Assert.Equal(5, (await bystander.ExpectAsync("history")).GetProperty("messages").GetArrayLength());
        stalled.ResumeReading();
        await stalled.ExpectClosedAsync();
        Assert.True(stalled.All("history").Count < 100, "the stalled client was cut off");
        await stalled.DisposeAsync();
    }

    [Fact]
    public async Task A_history_page_is_cut_to_MaxHistoryPageBytes_and_the_rest_is_reached_by_paging()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:MaxHistoryPageBytes"] = "65536" });
        await FillAsync(node, "paged", 10);
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "reader"));

        var seen = new List<long>();
        var before = "";
        for (var page = 0; seen.Count < 10 && page < 10; page++)
        {
            await client.SendAsync($$"""{"op":"history","rid":{{page}},"room":"paged","limit":10{{before}}}""");
            var messages = (await client.ExpectAsync("history")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();
            Assert.InRange(messages.Count, 1, 4);
            seen.InsertRange(0, messages);
            before = $""","before":{messages[0]}""";
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task A_client_that_sends_pings_and_reads_nothing_is_closed_before_its_pongs_pile_up()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:OutboundQueueBytes"] = "33554432" });
        await FillAsync(node, "big", 64);
        using var pinger = await WireWebSocket.ConnectAsync(node.HttpUri.Port, TestNode.Token("acme", "pinger"));
        await pinger.ReadPastAsync("\"connected\"");

        // Twenty pages of 1 MiB stall the node's writer on the unread socket, yet fit the 32 MiB budget.
        for (var i = 0; i < 20; i++)
        {
            await pinger.SendAsync(WireWebSocket.Frame(0x1, Encoding.UTF8.GetBytes($$"""{"op":"history","rid":{{i}},"room":"big","limit":64}""")));
        }

        // Frames wait in the queue only while the writer is stuck in a write of its own: from now on
        // every pong waits behind it, in memory.
        var connection = node.Service<ConnectionRegistry>().All.Single();
        await Eventually.TrueAsync(() => connection.QueuedBytes >= 2 * 1024 * 1024, "the node's writer is stalled with pages queued behind it");

        // Each ping asks for a pong of 127 bytes, which waits behind the stalled write: 400,000 of them ask for 51 MB.
        var ping = WireWebSocket.Frame(0x9, new byte[125]);
        var batch = Enumerable.Repeat(ping, 1000).SelectMany(f => f).ToArray();
        try
        {
            for (var i = 0; i < 400 && await SlowConsumerClosesAsync(node) == 0; i++)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await pinger.SendAsync(batch, deadline.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The node stopped reading or closed the connection: what follows says which.
        }

        await Eventually.TrueAsync(async () => await SlowConsumerClosesAsync(node) >= 1, "the pinger is closed as a slow consumer");
    }

    [Fact]
    public async Task A_node_short_of_memory_refuses_new_connections_with_503_and_history_reads_with_overloaded()
    {
        // 64 MiB, the least the option takes: this test process alone holds more.
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:MemoryLimitBytes"] = "67108864" });
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(node.WebSocketUri, CancellationToken.None));
        using var history = await node.Http.SendAsync(node.Request(HttpMethod.Get, "/api/v1/rooms/big/messages", TestNode.Token("acme", "backend", scopes: ["read"])));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, socket.HttpStatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, history.StatusCode);
        Assert.Equal("overloaded", (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    /// <summary>Publishes <paramref name="count"/> messages of about 16 KB to <paramref name="room"/> over HTTP.</summary>
    private static async Task FillAsync(TestNode node, string room, int count)
    {
        var backend = TestNode.Token("acme", "backend", scopes: ["publish"]);
        for (var i = 1; i <= count; i++)
        {
            var content = new StringContent(JsonSerializer.Serialize(new { id = $"m{i}", body = new { text = LargeText } }), Encoding.UTF8, "application/json");
            using var response = await node.Http.SendAsync(node.Request(HttpMethod.Post, $"/api/v1/rooms/{room}/messages", backend, content));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>The node's count of connections closed as slow consumers, from its metrics.</summary>
    private static Task<double> SlowConsumerClosesAsync(TestNode node) => node.MetricAsync("parley_connections_slow_consumer_closes_total");
}
