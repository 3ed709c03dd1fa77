using System.Text;
using Parley.Client;
using Parley.Node.Store;
using Parley.Tests.Store;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>A join whose replay fails after <c>joined</c> was sent never leaves the client believing it is a member.</summary>
public sealed class JoinReplayFailureTests : IAsyncLifetime
{
    private static readonly string Backend = TestNode.Token("acme", "backend", scopes: ["publish"]);
    private volatile bool _replaysFail;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync(wrapStore: inner => new ScriptedStore(inner)
        {
            BeforeReadAfter = stream => _replaysFail && stream.Name == "flaky"
                ? throw new StoreUnavailableException("scripted replay failure")
                : Task.CompletedTask,
        });
        for (var i = 1; i <= 3; i++)
        {
            var request = _node.Request(HttpMethod.Post, "/api/v1/rooms/flaky/messages", Backend, new StringContent($$"""{"id":"f-{{i}}","body":{{i}}}""", Encoding.UTF8, "application/json"));
            (await _node.Http.SendAsync(request)).EnsureSuccessStatusCode();
        }
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_join_whose_replay_fails_after_joined_is_followed_by_left_with_the_reason_and_can_be_retried()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        _replaysFail = true;

        await alice.SendAsync("""{"op":"join","rid":1,"room":"flaky","since":0}""");

        await alice.ExpectAsync("joined", f => f.GetProperty("rid").GetInt32() == 1);
        var left = await alice.ExpectAsync("left");
        Assert.Equal("flaky", left.GetProperty("room").GetString());
        Assert.Equal("store_unavailable", left.GetProperty("reason").GetString());
        Assert.False(left.TryGetProperty("rid", out _));
        Assert.Empty(alice.All("error"));

        _replaysFail = false;
        await alice.SendAsync("""{"op":"join","rid":2,"room":"flaky","since":0}""");
        await alice.ExpectAsync("joined", f => f.GetProperty("rid").GetInt32() == 2);
        await Eventually.TrueAsync(() => alice.All("msg").Count == 3, "the replay to arrive on the second join");
    }

    [Fact]
    public async Task The_sdk_reports_a_join_whose_replay_failed_and_a_second_join_replays_everything()
    {
        await using var client = SdkRecorder.Client(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        var errors = new List<ParleyError>();
        client.ErrorReceived += e =>
        {
            lock (errors)
            {
                errors.Add(e);
            }
        };
        var received = new SdkRecorder(client);
        await client.ConnectAsync();
        _replaysFail = true;

        await client.JoinAsync("flaky", since: 0);

        await Eventually.TrueAsync(() => { lock (errors) { return errors.Any(e => e.Code == ParleyErrorCodes.StoreUnavailable); } }, "the sdk reports that the server left the room");
        _replaysFail = false;
        await client.JoinAsync("flaky", since: 0);
        await Eventually.TrueAsync(() => received.Seqs("flaky").Count == 3, "the second join replays every message");
        Assert.Equal([1L, 2, 3], received.Seqs("flaky"));
    }

    [Fact]
    public async Task A_room_resumed_at_connect_whose_replay_fails_is_left_with_the_reason()
    {
        _replaysFail = true;

        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"), ""","resume":{"flaky":0}""");

        var left = await alice.ExpectAsync("left");
        Assert.Equal("flaky", left.GetProperty("room").GetString());
        Assert.Equal("store_unavailable", left.GetProperty("reason").GetString());
        await alice.SendAsync("""{"op":"ping","rid":"alive"}""");
        await alice.ExpectAsync("pong");
        Assert.Empty(alice.All("error"));
    }
}
