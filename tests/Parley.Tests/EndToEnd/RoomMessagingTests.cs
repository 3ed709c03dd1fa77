using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Joining rooms, durable sends, signals, history and presence, spoken in raw frames.</summary>
public sealed class RoomMessagingTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:PublishesPerSecond"] = "10000",
        ["Parley:Limits:PublishBurst"] = "10000",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_send_is_acknowledged_with_its_sequence_and_delivered_to_every_member_including_the_sender()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "general");
        await using var bob = await ConnectAndJoinAsync("bob", "general");

        await alice.SendAsync("""{"op":"send","rid":1,"room":"general","id":"m-1","body":{"text":"hi"}}""");
        var ack = await alice.ExpectAsync("ack");
        Assert.Equal(1, ack.GetProperty("rid").GetInt32());
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        Assert.Equal("general", ack.GetProperty("room").GetString());

        foreach (var client in new[] { alice, bob })
        {
            var msg = await client.ExpectAsync("msg");
            Assert.Equal(1, msg.GetProperty("seq").GetInt64());
            Assert.Equal("m-1", msg.GetProperty("id").GetString());
            Assert.Equal("alice", msg.GetProperty("from").GetString());
            Assert.Equal("hi", msg.GetProperty("body").GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task Concurrent_senders_produce_one_gapless_order_that_every_member_sees()
    {
        const int Senders = 4, PerSender = 50;
        var clients = new List<RawClient>();
        for (var i = 0; i < Senders; i++)
        {
            clients.Add(await ConnectAndJoinAsync($"user{i}", "busy"));
        }

        await using var watcher = await ConnectAndJoinAsync("watcher", "busy");
        await Task.WhenAll(clients.Select((c, i) => Task.Run(async () =>
        {
            for (var n = 0; n < PerSender; n++)
            {
                await c.SendAsync($$"""{"op":"send","rid":{{n}},"room":"busy","id":"u{{i}}-{{n}}","body":{{n}}}""");
            }
        })));

        await Eventually.TrueAsync(() => watcher.All("msg").Count == Senders * PerSender, "every message reaches the watcher");
        var seqs = watcher.All("msg").Select(m => m.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, Senders * PerSender).Select(i => (long)i), seqs);

        // Each sender's own messages keep the order it sent them in.
        foreach (var group in watcher.All("msg").GroupBy(m => m.GetProperty("from").GetString()))
        {
            var bodies = group.Select(m => m.GetProperty("body").GetInt32()).ToList();
            Assert.Equal(Enumerable.Range(0, PerSender), bodies);
        }

        foreach (var client in clients)
        {
            await Eventually.TrueAsync(() => client.All("msg").Count == Senders * PerSender, "every member sees every message");
            Assert.Equal(seqs, client.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resending_the_same_id_returns_the_original_sequence_and_delivers_nothing_new()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "dedupe");
        await alice.SendAsync("""{"op":"send","rid":1,"room":"dedupe","id":"same","body":"first"}""");
        var first = await alice.ExpectAsync("ack");
        await alice.SendAsync("""{"op":"send","rid":2,"room":"dedupe","id":"same","body":"first"}""");
        var second = await alice.ExpectAsync("ack");

        Assert.Equal(first.GetProperty("seq").GetInt64(), second.GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("ts").GetString(), second.GetProperty("ts").GetString());
        Assert.True(second.GetProperty("duplicate").GetBoolean());

        await alice.SendAsync("""{"op":"history","rid":3,"room":"dedupe"}""");
        var history = await alice.ExpectAsync("history");
        var messages = history.GetProperty("messages").EnumerateArray().ToList();
        Assert.Single(messages);
        Assert.Equal("first", messages[0].GetProperty("body").GetString());
        Assert.Single(alice.All("msg"));
    }

    [Fact]
    public async Task Joining_with_since_replays_exactly_the_missed_messages_in_order_then_goes_live()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "replay");
        for (var i = 1; i <= 30; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"replay","id":"r{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 30, "all sends are acknowledged");
        await using var bob = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "bob"));
        await bob.SendAsync("""{"op":"join","rid":1,"room":"replay","since":12}""");
        var joined = await bob.ExpectAsync("joined");
        Assert.Equal(30, joined.GetProperty("head").GetInt64());
        Assert.True(joined.GetProperty("resumed").GetBoolean());

        await alice.SendAsync("""{"op":"send","rid":99,"room":"replay","id":"live","body":31}""");
        await Eventually.TrueAsync(() => bob.All("msg").Count == 19, "the replay and the live message arrive");
        Assert.Equal(Enumerable.Range(13, 19).Select(i => (long)i), bob.All("msg").Select(m => m.GetProperty("seq").GetInt64()));

        // The joined reply precedes the replay.
        var ops = bob.Frames.Select(f => f.GetProperty("op").GetString()).ToList();
        Assert.True(ops.IndexOf("joined") < ops.IndexOf("msg"));
    }

    [Fact]
    public async Task Joining_a_room_twice_replays_nothing_twice()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "twice");
        await alice.SendAsync("""{"op":"send","rid":1,"room":"twice","id":"t1","body":1}""");
        await alice.ExpectAsync("msg");
        await alice.SendAsync("""{"op":"join","rid":2,"room":"twice","since":0}""");
        var joined = await alice.ExpectAsync("joined", f => f.GetProperty("rid").GetInt32() == 2);
        Assert.Equal(1, joined.GetProperty("head").GetInt64());
        await alice.SendAsync("""{"op":"ping","rid":3}""");
        await alice.ExpectAsync("pong");
        Assert.Single(alice.All("msg"));
    }

    [Fact]
    public async Task Leaving_a_room_stops_its_delivery()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "leave");
        await using var bob = await ConnectAndJoinAsync("bob", "leave");
        await bob.SendAsync("""{"op":"leave","rid":5,"room":"leave"}""");
        await bob.ExpectAsync("left", f => f.GetProperty("rid").GetInt32() == 5);
        await alice.SendAsync("""{"op":"send","rid":1,"room":"leave","id":"l1","body":1}""");
        await alice.ExpectAsync("msg");
        await bob.SendAsync("""{"op":"ping","rid":6}""");
        await bob.ExpectAsync("pong");
        Assert.Empty(bob.All("msg"));
    }

    [Fact]
    public async Task Signals_reach_the_other_members_but_not_the_sender_and_are_never_stored()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "typing");
        await using var bob = await ConnectAndJoinAsync("bob", "typing");
        await alice.SendAsync("""{"op":"signal","room":"typing","body":{"typing":true}}""");
        var signal = await bob.ExpectAsync("signal");
        Assert.Equal("alice", signal.GetProperty("from").GetString());
        Assert.True(signal.GetProperty("body").GetProperty("typing").GetBoolean());

        await alice.SendAsync("""{"op":"history","rid":1,"room":"typing"}""");
        var history = await alice.ExpectAsync("history");
        Assert.Empty(history.GetProperty("messages").EnumerateArray());
        Assert.Equal(0, history.GetProperty("head").GetInt64());
        Assert.Empty(alice.All("signal"));
    }

    [Fact]
    public async Task History_pages_backwards_and_forwards_in_ascending_order()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "pages");
        for (var i = 1; i <= 20; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"pages","id":"p{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 20, "all sends are acknowledged");
        await alice.SendAsync("""{"op":"history","rid":"b","room":"pages","before":15,"limit":5}""");
        var before = await alice.ExpectAsync("history");
        Assert.Equal("b", before.GetProperty("rid").GetString());
        Assert.Equal([10L, 11, 12, 13, 14], Seqs(before));
        Assert.Equal(20, before.GetProperty("head").GetInt64());
        Assert.Equal(1, before.GetProperty("first").GetInt64());

        await alice.SendAsync("""{"op":"history","rid":"a","room":"pages","after":17,"limit":5}""");
        Assert.Equal([18L, 19, 20], Seqs(await alice.ExpectAsync("history")));

        await alice.SendAsync("""{"op":"history","rid":"n","room":"pages","limit":3}""");
        Assert.Equal([18L, 19, 20], Seqs(await alice.ExpectAsync("history")));
    }

    [Fact]
    public async Task Presence_lists_members_and_announces_joins_and_leaves()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "lobby");
        var bob = await ConnectAndJoinAsync("bob", "lobby");
        var joined = await alice.ExpectAsync("presence", f => f.TryGetProperty("joined", out var j) && j.EnumerateArray().Any(u => u.GetString() == "bob"));
        Assert.Empty(joined.GetProperty("left").EnumerateArray());

        await alice.SendAsync("""{"op":"presence","rid":1,"room":"lobby"}""");
        var list = await alice.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Equal(["alice", "bob"], list.GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        await bob.DisposeAsync();
        await alice.ExpectAsync("presence", f => f.TryGetProperty("left", out var l) && l.EnumerateArray().Any(u => u.GetString() == "bob"));
    }

    [Fact]
    public async Task A_user_with_two_connections_leaves_presence_only_with_the_last()
    {
        await using var alice = await ConnectAndJoinAsync("alice", "tabs");
        var bobTab1 = await ConnectAndJoinAsync("bob", "tabs");
        await using var bobTab2 = await ConnectAndJoinAsync("bob", "tabs");
        await bobTab1.DisposeAsync();
        await alice.SendAsync("""{"op":"presence","rid":1,"room":"tabs"}""");
        var list = await alice.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Contains("bob", list.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.DoesNotContain(alice.Frames, f => f.GetProperty("op").GetString() == "presence" && f.TryGetProperty("left", out var l) && l.GetArrayLength() > 0);
    }

    private static List<long> Seqs(JsonElement history)
        => [.. history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64())];

    private async Task<RawClient> ConnectAndJoinAsync(string user, string room)
    {
        var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", user));
        await client.SendAsync($$"""{"op":"join","rid":"j","room":"{{room}}"}""");
        await client.ExpectAsync("joined");
        return client;
    }
}
