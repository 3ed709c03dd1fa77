using Parley.Client;
using Parley.Node.Connections;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>The .NET SDK against a real node: acknowledged sends, order, resume and de-duplication, direct messages, refresh.</summary>
public sealed class SdkTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:PublishesPerSecond"] = "100000",
        ["Parley:Limits:PublishBurst"] = "100000",
        ["Parley:Limits:OutboundQueueFrames"] = "64",
        // No tolerance, so a short-lived token's deadline is its own expiry and the refresh test stays short.
        ["Parley:Auth:ClockSkew"] = "00:00:00",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Concurrent_sdk_senders_are_acknowledged_with_the_sequence_every_member_receives_in_order()
    {
        const int Senders = 3, PerSender = 40;
        var senders = new List<ParleyClient>();
        for (var i = 0; i < Senders; i++)
        {
            var client = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", $"s{i}"));
            await client.ConnectAsync();
            senders.Add(client);
        }

        await using var reader = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "reader"));
        var received = new SdkRecorder(reader);
        await reader.ConnectAsync();
        await reader.JoinAsync("sdk-order");

        var acks = await Task.WhenAll(senders.Select((c, i) => Task.Run(async () =>
        {
            var seqs = new List<long>();
            for (var n = 0; n < PerSender; n++)
            {
                seqs.Add((await c.SendAsync("sdk-order", new { sender = i, n })).Seq);
            }

            return seqs;
        })));

        var all = acks.SelectMany(a => a).Order().ToList();
        Assert.Equal(Enumerable.Range(1, Senders * PerSender).Select(i => (long)i), all);
        Assert.All(acks, a => Assert.Equal(a.Order(), a));
        await Eventually.TrueAsync(() => received.Seqs("sdk-order").Count == Senders * PerSender, "the reader receives every message");
        Assert.Equal(all, received.Seqs("sdk-order"));
        foreach (var sender in senders)
        {
            await sender.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_dropped_sdk_client_reconnects_and_resumes_with_nothing_missing_or_repeated()
    {
        await using var writer = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "writer"));
        await writer.ConnectAsync();
        await using var reader = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "dropper"));
        var received = new SdkRecorder(reader);
        await reader.ConnectAsync();
        await reader.JoinAsync("sdk-resume");

        var sending = Task.Run(async () =>
        {
            for (var n = 0; n < 200; n++)
            {
                await writer.SendAsync("sdk-resume", n);
            }
        });

        // Cut the reader's connection from the server side three times while messages flow.
        for (var cut = 0; cut < 3; cut++)
        {
            var before = received.Messages.Count;
            await Eventually.TrueAsync(() => received.Messages.Count > before, "messages flow before the cut");
            var connection = _node.Service<ConnectionRegistry>().All.Single(c => c.Principal.User == "dropper");
            connection.Abort();
            await Eventually.TrueAsync(() => _node.Service<ConnectionRegistry>().All.Any(c => c.Principal.User == "dropper" && !ReferenceEquals(c, connection)), "the reader reconnects");
        }

        await sending;
        await Eventually.TrueAsync(() => received.Seqs("sdk-resume").Count == 200, "the reader ends with every message");
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), received.Seqs("sdk-resume"));
        Assert.Equal(200, reader.LastSeq("sdk-resume"));
    }

    [Fact]
    public async Task An_sdk_client_closed_as_a_slow_consumer_resumes_and_delivers_every_message_once()
    {
        await using var writer = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "firehose"));
        await writer.ConnectAsync();
        await using var slow = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "sloth"));
        var received = new SdkRecorder(slow);
        var gate = new ManualResetEventSlim(false);
        var states = new List<ConnectionState>();
        slow.StateChanged += s => { lock (states) { states.Add(s); } };
        slow.MessageReceived += _ => gate.Wait(TimeSpan.FromSeconds(30));
        await slow.ConnectAsync();
        await slow.JoinAsync("sdk-slow");

        var body = new string('y', 12_000);
        for (var n = 0; n < 600; n++)
        {
            await writer.SendAsync("sdk-slow", body);
        }

        gate.Set();
        await Eventually.TrueAsync(() => received.Seqs("sdk-slow").Count == 600, "the slow client ends with every message", TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), received.Seqs("sdk-slow"));
        lock (states)
        {
            Assert.Contains(ConnectionState.Reconnecting, states);
        }
    }

    [Fact]
    public async Task Sending_twice_with_the_same_message_id_returns_the_original_sequence_and_another_body_is_refused()
    {
        await using var client = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "idem"));
        await client.ConnectAsync();
        var first = await client.SendAsync("sdk-idem", "one", messageId: "fixed-id");
        var second = await client.SendAsync("sdk-idem", "one", messageId: "fixed-id");
        var reused = await Assert.ThrowsAsync<ParleyException>(() => client.SendAsync("sdk-idem", "two", messageId: "fixed-id"));
        Assert.Equal(first.Seq, second.Seq);
        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(ParleyErrorCodes.IdConflict, reused.Code);
        var page = await client.HistoryAsync("sdk-idem");
        Assert.Equal("one", Assert.Single(page.Messages).Body.GetString());
    }

    [Fact]
    public async Task A_direct_message_through_the_sdk_reaches_three_connections_of_the_recipient()
    {
        var bobs = new List<(ParleyClient Client, SdkRecorder Recorder)>();
        for (var i = 0; i < 3; i++)
        {
            var bob = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "sdk-bob"));
            var recorder = new SdkRecorder(bob);
            await bob.ConnectAsync();
            bobs.Add((bob, recorder));
        }

        await using var alice = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "sdk-alice"));
        await alice.ConnectAsync();
        var sent = await alice.SendDirectAsync("sdk-bob", new { text = "hello bob" });
        foreach (var (bob, recorder) in bobs)
        {
            await Eventually.TrueAsync(() => recorder.Messages.Count == 1, "each connection of bob receives the message");
            var message = recorder.Messages[0];
            Assert.True(message.IsDirect);
            Assert.Equal("sdk-alice", message.From);
            Assert.Equal("sdk-bob", message.To);
            Assert.Equal(sent.MessageId, message.Id);
            await bob.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_sdk_refreshes_a_short_lived_token_in_band_and_stays_connected_past_its_expiry()
    {
        var tokens = 0;
        await using var client = new ParleyClient(new ParleyClientOptions
        {
            Url = _node.WebSocketUri,
            TokenProvider = _ =>
            {
                Interlocked.Increment(ref tokens);
                return ValueTask.FromResult(TestNode.Token("acme", "refresher", ttl: TimeSpan.FromSeconds(6)));
            },
            TokenRefreshMargin = TimeSpan.FromSeconds(4),
        });
        var states = new List<ConnectionState>();
        client.StateChanged += s => { lock (states) { states.Add(s); } };
        await client.ConnectAsync();
        var connection = _node.Service<ConnectionRegistry>().All.Single(c => c.Principal.User == "refresher");
        var firstExpiry = connection.Principal.Expires;
        await Eventually.TrueAsync(() => connection.Principal.Expires > firstExpiry.AddSeconds(3) && tokens >= 3, "the token is refreshed twice, past the first token's expiry", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > firstExpiry, "the first token's expiry passes", TimeSpan.FromSeconds(10));
        Assert.False(connection.IsClosing);
        await client.PingAsync();
        lock (states)
        {
            Assert.DoesNotContain(ConnectionState.Reconnecting, states);
        }
    }
}
