using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Direct messages: durable, delivered to every connection of both users, resumable through the inbox.</summary>
public sealed class DirectMessageTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:ConnectionsPerUser"] = "5",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_direct_message_reaches_all_three_connections_of_the_recipient_and_the_senders_other_connection()
    {
        var bobToken = TestNode.Token("acme", "bob");
        await using var bob1 = await RawClient.ConnectAsync(_node.WebSocketUri, bobToken);
        await using var bob2 = await RawClient.ConnectAsync(_node.WebSocketUri, bobToken);
        await using var bob3 = await RawClient.ConnectAsync(_node.WebSocketUri, bobToken);
        var aliceToken = TestNode.Token("acme", "alice", rooms: []);
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, aliceToken);
        await using var alicePhone = await RawClient.ConnectAsync(_node.WebSocketUri, aliceToken);

        await alice.SendAsync("""{"op":"send","rid":1,"to":"bob","id":"dm-1","body":{"text":"psst"}}""");
        var ack = await alice.ExpectAsync("ack");
        Assert.Equal("bob", ack.GetProperty("to").GetString());
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());

        foreach (var bob in new[] { bob1, bob2, bob3 })
        {
            var msg = await bob.ExpectAsync("msg");
            Assert.Equal("bob", msg.GetProperty("to").GetString());
            Assert.Equal("alice", msg.GetProperty("from").GetString());
            Assert.Equal(1, msg.GetProperty("seq").GetInt64());
            Assert.False(msg.TryGetProperty("room", out _));
        }

        var copy = await alicePhone.ExpectAsync("msg");
        Assert.Equal("bob", copy.GetProperty("to").GetString());
        Assert.Equal("dm-1", copy.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Missed_direct_messages_are_replayed_through_the_inbox_on_connect()
    {
        var carolToken = TestNode.Token("acme", "carol");
        int inboxHead;
        await using (var carol = await RawClient.ConnectAsync(_node.WebSocketUri, carolToken))
        {
            inboxHead = carol.All("connected")[0].GetProperty("inbox_head").GetInt32();
        }

        await using var dave = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "dave"));
        for (var i = 1; i <= 3; i++)
        {
            await dave.SendAsync($$"""{"op":"send","rid":{{i}},"to":"carol","id":"d{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => dave.All("ack").Count == 3, "the direct messages are acknowledged");
        await using var back = await RawClient.ConnectAsync(_node.WebSocketUri, carolToken, $$""","inbox":{{inboxHead}}""");
        Assert.Equal(inboxHead + 3, back.All("connected")[0].GetProperty("inbox_head").GetInt32());
        await Eventually.TrueAsync(() => back.All("msg").Count == 3, "the missed direct messages are replayed");
        Assert.Equal([1, 2, 3], back.All("msg").Select(m => m.GetProperty("body").GetInt32()));

        await back.SendAsync("""{"op":"history","rid":1,"inbox":true}""");
        var history = await back.ExpectAsync("history");
        Assert.True(history.GetProperty("inbox").GetBoolean());
        Assert.All(history.GetProperty("messages").EnumerateArray(), m => Assert.Equal("carol", m.GetProperty("to").GetString()));
    }

    [Fact]
    public async Task A_direct_message_to_an_invalid_user_is_refused_with_invalid_user()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"send","rid":1,"to":"../bob","id":"x1","body":1}""");
        var error = await alice.ExpectAsync("error");
        Assert.Equal("invalid_user", error.GetProperty("code").GetString());
    }
}
