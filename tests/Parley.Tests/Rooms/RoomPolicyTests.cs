using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Node.Tenancy;
using Parley.Tests.Store;
using Parley.Tests.Support;

namespace Parley.Tests.Rooms;

/// <summary>One embedded node with a policy per knob, and a tenant directory that overrides one of them for globex.</summary>
public sealed class RoomPolicyFixture : IAsyncLifetime
{
    internal TestNode Node { get; private set; } = null!;

    internal ScriptedStore Store { get; private set; } = null!;

    private DirectoryServer _directory = null!;

    public async Task InitializeAsync()
    {
        _directory = await DirectoryServer.StartAsync();
        _directory.Set(new
        {
            id = "globex",
            roomPolicies = new object[]
            {
                new { prefix = "cursor:", ephemeral = false },
                new { prefix = "live:", ephemeral = true, presence = false },
            },
        });
        var settings = _directory.NodeSettings();
        settings["Parley:Rooms:Policies:0:Prefix"] = "cursor:";
        settings["Parley:Rooms:Policies:0:Ephemeral"] = "true";
        settings["Parley:Rooms:Policies:1:Prefix"] = "quiet:";
        settings["Parley:Rooms:Policies:1:Presence"] = "false";
        settings["Parley:Rooms:Policies:2:Prefix"] = "hush:";
        settings["Parley:Rooms:Policies:2:JoinLeaveEvents"] = "false";
        settings["Parley:Rooms:Policies:3:Prefix"] = "ticker:";
        settings["Parley:Rooms:Policies:3:ClientPublish"] = "false";
        settings["Parley:Rooms:Policies:4:Prefix"] = "short:";
        settings["Parley:Rooms:Policies:4:MaxMessagesPerStream"] = "2";
        settings["Parley:Rooms:Policies:5:Prefix"] = "cursor:durable:";
        settings["Parley:Retention:TrimInterval"] = "00:00:00.200";
        Node = await TestNode.StartAsync(settings, wrapStore: inner => Store = new ScriptedStore(inner));
        await Eventually.TrueAsync(() => Node.Service<ITenantDirectory>().Find("globex") is not null, "the node loads the directory");
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await _directory.DisposeAsync();
    }
}

/// <summary>Rooms whose name prefix chooses their guarantees: ephemeral, presence, events, who publishes, retention.</summary>
public sealed class RoomPolicyTests(RoomPolicyFixture fixture) : IClassFixture<RoomPolicyFixture>
{
    private TestNode Node => fixture.Node;

    private async Task<RawClient> JoinedAsync(string tenant, string user, string room)
    {
        var client = await RawClient.ConnectAsync(Node.WebSocketUri, TestNode.Token(tenant, user));
        await client.SendAsync($$"""{"op":"join","rid":"j","room":"{{room}}"}""");
        await client.ExpectAsync("joined");
        return client;
    }

    /// <summary>A round trip on the connection: whatever the node queued for it before is already received.</summary>
    private static async Task RoundTripAsync(RawClient client, string rid)
    {
        await client.SendAsync($$"""{"op":"ping","rid":"{{rid}}"}""");
        await client.ExpectAsync("pong", f => f.TryGetProperty("rid", out var r) && r.GetString() == rid);
    }

    [Fact]
    public async Task An_ephemeral_room_delivers_unnumbered_messages_to_every_member_and_writes_nothing_to_the_store()
    {
        await using var alice = await JoinedAsync("acme", "alice", "cursor:board");
        await using var bob = await JoinedAsync("acme", "bob", "cursor:board");
        Assert.True(alice.All("joined")[0].GetProperty("ephemeral").GetBoolean());
        Assert.Equal(0, alice.All("joined")[0].GetProperty("head").GetInt64());
        var commitsBefore = fixture.Store.Commits;

        for (var i = 1; i <= 3; i++)
        {
            await alice.SendAsync($$$"""{"op":"send","rid":{{{i}}},"room":"cursor:board","id":"m{{{i}}}","body":{"x":{{{i}}}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 3, "every send is accepted");
        await Eventually.TrueAsync(() => bob.All("msg").Count == 3, "the other member receives every message");
        await Eventually.TrueAsync(() => alice.All("msg").Count == 3, "the sender receives its own messages");
        Assert.All(alice.All("ack"), ack => Assert.False(ack.TryGetProperty("seq", out _)));
        Assert.All(bob.All("msg"), msg => Assert.False(msg.TryGetProperty("seq", out _)));
        Assert.Equal([1, 2, 3], bob.All("msg").Select(m => m.GetProperty("body").GetProperty("x").GetInt32()));
        Assert.Equal(commitsBefore, fixture.Store.Commits);

        await alice.SendAsync("""{"op":"history","rid":"h","room":"cursor:board"}""");
        var page = await alice.ExpectAsync("history");
        Assert.Equal(0, page.GetProperty("messages").GetArrayLength());
        Assert.Equal(0, page.GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task A_room_matching_no_prefix_and_a_longer_durable_prefix_still_commit_with_sequences()
    {
        await using var alice = await JoinedAsync("acme", "alice", "general");
        var commitsBefore = fixture.Store.Commits;
        await alice.SendAsync("""{"op":"send","rid":1,"room":"general","id":"g1","body":1}""");
        await alice.SendAsync("""{"op":"send","rid":2,"room":"cursor:durable:x","id":"g2","body":2}""");

        await Eventually.TrueAsync(() => alice.All("ack").Count == 2, "both sends are acknowledged");
        Assert.All(alice.All("ack"), ack => Assert.True(ack.GetProperty("seq").GetInt64() >= 1));
        Assert.True(fixture.Store.Commits > commitsBefore);
        Assert.False(alice.All("joined")[0].TryGetProperty("ephemeral", out _));
    }

    [Fact]
    public async Task A_room_without_presence_lists_nobody_and_announces_nobody()
    {
        await using var alice = await JoinedAsync("acme", "alice", "quiet:room");
        await using var bob = await JoinedAsync("acme", "bob", "quiet:room");
        await RoundTripAsync(bob, "b");
        await RoundTripAsync(alice, "a");

        await alice.SendAsync("""{"op":"presence","rid":"p","room":"quiet:room"}""");
        var list = await alice.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Equal(0, list.GetProperty("users").GetArrayLength());
        Assert.DoesNotContain(alice.All("presence"), f => f.TryGetProperty("joined", out _));
        Assert.Empty(await Node.Service<Parley.Node.Presence.IPresenceStore>().ListAsync(StreamId.Room("acme", "quiet:room"), CancellationToken.None));

        using var http = await Node.Http.SendAsync(Node.Request(HttpMethod.Get, "/api/v1/rooms/quiet:room/presence", TestNode.Token("acme", "reader", scopes: ["read"])));
        Assert.Equal(0, (await http.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("users").GetArrayLength());
    }

    [Fact]
    public async Task A_room_without_join_leave_events_keeps_its_presence_list_but_sends_no_events()
    {
        await using var alice = await JoinedAsync("acme", "alice", "hush:room");
        await using var bob = await JoinedAsync("acme", "bob", "hush:room");
        await RoundTripAsync(bob, "b");
        await RoundTripAsync(alice, "a");

        await alice.SendAsync("""{"op":"presence","rid":"p","room":"hush:room"}""");
        var list = await alice.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Equal(["alice", "bob"], list.GetProperty("users").EnumerateArray().Select(u => u.GetString()!).Order());
        Assert.DoesNotContain(alice.All("presence"), f => f.TryGetProperty("joined", out _));

        // The same two users in a room without a policy do get the event: the silence above is the policy's.
        await using var carol = await JoinedAsync("acme", "carol", "loud");
        await using var dave = await JoinedAsync("acme", "dave", "loud");
        await carol.ExpectAsync("presence", f => f.TryGetProperty("joined", out var joined) && joined.EnumerateArray().Any(u => u.GetString() == "dave"));
    }

    [Fact]
    public async Task A_backend_only_room_refuses_client_publishes_with_backend_only_and_delivers_an_http_publish()
    {
        await using var alice = await JoinedAsync("acme", "alice", "ticker:eurusd");
        await alice.SendAsync("""{"op":"send","rid":1,"room":"ticker:eurusd","id":"t1","body":1.08}""");
        var refused = await alice.ExpectAsync("error", f => f.GetProperty("rid").GetInt32() == 1);
        Assert.Equal("backend_only", refused.GetProperty("code").GetString());
        await alice.SendAsync("""{"op":"signal","rid":2,"room":"ticker:eurusd","body":1}""");
        var signal = await alice.ExpectAsync("error", f => f.GetProperty("rid").GetInt32() == 2);
        Assert.Equal("backend_only", signal.GetProperty("code").GetString());

        using var content = new StringContent("""{"id":"quote-1","body":1.09}""", Encoding.UTF8, "application/json");
        using var reply = await Node.Http.SendAsync(Node.Request(HttpMethod.Post, "/api/v1/rooms/ticker:eurusd/messages", TestNode.Token("acme", "feed", scopes: ["publish"]), content));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var msg = await alice.ExpectAsync("msg");
        Assert.Equal("quote-1", msg.GetProperty("id").GetString());
        Assert.Equal(1, msg.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task An_http_publish_into_an_ephemeral_room_is_delivered_without_a_sequence()
    {
        await using var alice = await JoinedAsync("acme", "alice", "cursor:http");
        using var content = new StringContent("""{"id":"h-1","body":{"x":1}}""", Encoding.UTF8, "application/json");
        using var reply = await Node.Http.SendAsync(Node.Request(HttpMethod.Post, "/api/v1/rooms/cursor:http/messages", TestNode.Token("acme", "feed", scopes: ["publish"]), content));
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.False(body.TryGetProperty("seq", out _));
        var msg = await alice.ExpectAsync("msg");
        Assert.Equal("h-1", msg.GetProperty("id").GetString());

        using var history = await Node.Http.SendAsync(Node.Request(HttpMethod.Get, "/api/v1/rooms/cursor:http/messages", TestNode.Token("acme", "reader", scopes: ["read"])));
        Assert.Equal(0, (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_tenants_own_policy_beats_the_nodes_for_the_same_prefix_and_adds_its_own_prefixes()
    {
        // The node makes cursor: ephemeral; globex's directory entry makes it durable again.
        await using var globex = await JoinedAsync("globex", "gina", "cursor:board");
        Assert.False(globex.All("joined")[0].TryGetProperty("ephemeral", out _));
        await globex.SendAsync("""{"op":"send","rid":1,"room":"cursor:board","id":"c1","body":1}""");
        var ack = await globex.ExpectAsync("ack");
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());

        // live: is globex's own ephemeral prefix; acme has no such policy.
        await using var live = await JoinedAsync("globex", "gina2", "live:feed");
        Assert.True(live.All("joined")[0].GetProperty("ephemeral").GetBoolean());
        await using var acme = await JoinedAsync("acme", "alice", "live:feed");
        Assert.False(acme.All("joined")[0].TryGetProperty("ephemeral", out _));
    }

    [Fact]
    public async Task A_policys_history_size_is_applied_by_retention_while_other_rooms_keep_theirs()
    {
        await using var alice = await JoinedAsync("acme", "alice", "short:log");
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"short:log","id":"s{{i}}","body":{{i}}}""");
            await alice.SendAsync($$"""{"op":"send","rid":{{i + 10}},"room":"long-log","id":"l{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => alice.All("ack").Count == 10, "every send is acknowledged");
        var store = fixture.Store;
        await Eventually.TrueAsync(
            async () => (await store.GetHeadAsync(StreamId.Room("acme", "short:log"), CancellationToken.None)).FirstRetained == 4,
            "the trimmer keeps the policy's last two messages");
        Assert.Equal(new Parley.Node.Store.StreamHead(5, 1), await store.GetHeadAsync(StreamId.Room("acme", "long-log"), CancellationToken.None));
    }

    [Fact]
    public async Task An_sdk_client_in_an_ephemeral_room_receives_its_messages_and_keeps_no_position_requests_no_history_and_reports_nothing()
    {
        var ops = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Parley.Client.ParleyError>();
        await using var client = new Parley.Client.ParleyClient(new Parley.Client.ParleyClientOptions
        {
            Url = Node.WebSocketUri,
            TokenProvider = _ => ValueTask.FromResult(TestNode.Token("acme", "sdk-user")),
            FrameObserver = utf8 =>
            {
                using var frame = JsonDocument.Parse(utf8);
                ops.Enqueue(frame.RootElement.GetProperty("op").GetString()!);
            },
        });
        var received = new SdkRecorder(client);
        client.ErrorReceived += errors.Enqueue;
        await client.ConnectAsync();
        var joined = await client.JoinAsync("cursor:sdk");
        Assert.True(joined.Ephemeral);

        var own = await client.SendAsync("cursor:sdk", new { x = 0 });
        Assert.Equal(0, own.Seq);
        await using var peer = await RawClient.ConnectAsync(Node.WebSocketUri, TestNode.Token("acme", "peer"));
        for (var i = 1; i <= 3; i++)
        {
            await peer.SendAsync($$$"""{"op":"send","rid":{{{i}}},"room":"cursor:sdk","id":"p{{{i}}}","body":{"x":{{{i}}}}}""");
        }

        await Eventually.TrueAsync(() => received.Messages.Count == 4, "the sdk delivers its own message and every peer message");
        Assert.All(received.Messages, m => Assert.True(m.Ephemeral));
        Assert.Equal(0, client.DuplicatesDropped);
        Assert.Equal(0, client.LastSeq("cursor:sdk"));
        Assert.DoesNotContain("history", ops);
        Assert.Empty(errors);
    }
}
