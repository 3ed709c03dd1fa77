using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Nothing is lost when a client drops, is cut off as a slow consumer, or asks for more than is retained.</summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:PublishesPerSecond"] = "100000",
        ["Parley:Limits:PublishBurst"] = "100000",
        ["Parley:Limits:OutboundQueueFrames"] = "16",
        ["Parley:Retention:Tenants:short:MaxMessagesPerStream"] = "5",
        ["Parley:Retention:TrimInterval"] = "00:00:00.200",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Resumed_client_receives_every_missed_message_in_order_and_nothing_twice()
    {
        var bobToken = TestNode.Token("acme", "bob");
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        var bob = await RawClient.ConnectAsync(_node.WebSocketUri, bobToken);
        await bob.SendAsync("""{"op":"join","rid":1,"room":"resume"}""");
        await bob.ExpectAsync("joined");

        for (var i = 1; i <= 10; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"resume","id":"a{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => bob.All("msg").Count == 10, "bob receives the first ten");
        var lastSeen = bob.All("msg")[^1].GetProperty("seq").GetInt64();
        bob.Socket.Abort();
        await bob.DisposeAsync();

        for (var i = 11; i <= 25; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"resume","id":"a{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 25, "alice's sends are acknowledged");
        await using var back = await RawClient.ConnectAsync(_node.WebSocketUri, bobToken, $$""","resume":{"resume":{{lastSeen}}}""");
        var joined = await back.ExpectAsync("joined");
        Assert.True(joined.GetProperty("resumed").GetBoolean());
        await alice.SendAsync("""{"op":"send","rid":26,"room":"resume","id":"a26","body":26}""");
        await Eventually.TrueAsync(() => back.All("msg").Count == 16, "the missed messages and the live one arrive");
        Assert.Equal(Enumerable.Range(11, 16).Select(i => (long)i), back.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task A_slow_consumer_is_closed_with_4001_and_resumes_with_nothing_missing()
    {
        const int Count = 1000;
        var body = new string('x', 15_000);
        var slowToken = TestNode.Token("acme", "slow");
        await using var fast = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "fast"));
        var slow = await RawClient.ConnectAsync(_node.WebSocketUri, slowToken);
        await slow.SendAsync("""{"op":"join","rid":1,"room":"firehose"}""");
        await slow.ExpectAsync("joined");
        slow.PauseReading();

        for (var i = 1; i <= Count; i++)
        {
            await fast.SendAsync($$"""{"op":"send","rid":{{i}},"room":"firehose","id":"f{{i}}","body":"{{body}}"}""");
        }

        // The slow client reads again as soon as the node has cut it off, well within the close's grace.
        await Eventually.TrueAsync(
            async () => await _node.MetricAsync("parley_connections_slow_consumer_closes_total") >= 1 || fast.All("ack").Count == Count,
            "the slow client is cut off or every send is acknowledged",
            TimeSpan.FromSeconds(60));
        slow.ResumeReading();
        Assert.Equal(4001, await slow.ExpectClosedAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => fast.All("ack").Count == Count, "every send is acknowledged", TimeSpan.FromSeconds(60));
        var received = slow.All("msg").Select(m => m.GetProperty("seq").GetInt64()).ToList();
        Assert.True(received.Count < Count, "the slow consumer was cut off before receiving everything");
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (long)i), received);
        await slow.DisposeAsync();

        var last = received.Count == 0 ? 0 : received[^1];
        await using var back = await RawClient.ConnectAsync(_node.WebSocketUri, slowToken, $$""","resume":{"firehose":{{last}}}""");
        await Eventually.TrueAsync(() => back.All("msg").Count == Count - last, "the resumed replay delivers the rest", TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range((int)last + 1, Count - (int)last).Select(i => (long)i), back.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Resuming_from_before_retention_reports_resumed_false_and_replays_what_is_left()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("short", "alice"));
        for (var i = 1; i <= 12; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"brief","id":"b{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 12, "the sends are acknowledged");
        await Eventually.TrueAsync(async () =>
        {
            await alice.SendAsync("""{"op":"history","rid":"h","room":"brief"}""");
            var page = await alice.ExpectAsync("history");
            return page.GetProperty("first").GetInt64() == 8;
        }, "the trimmer keeps only the newest five");

        await using var bob = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("short", "bob"));
        await bob.SendAsync("""{"op":"join","rid":1,"room":"brief","since":2}""");
        var joined = await bob.ExpectAsync("joined");
        Assert.False(joined.GetProperty("resumed").GetBoolean());
        Assert.Equal(12, joined.GetProperty("head").GetInt64());
        await Eventually.TrueAsync(() => bob.All("msg").Count == 5, "the retained messages are replayed");
        Assert.Equal([8L, 9, 10, 11, 12], bob.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
    }
}
