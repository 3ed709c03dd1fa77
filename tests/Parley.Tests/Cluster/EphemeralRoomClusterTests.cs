using Parley.Tests.Store;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>
/// Two cluster nodes (Redis broker, PostgreSQL store) in this process, each with its store
/// wrapped to count commits: an ephemeral room crosses nodes through the broker alone.
/// </summary>
public sealed class EphemeralRoomClusterTests(SharedRedisServer redis) : IClassFixture<SharedRedisServer>, IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];
    private readonly List<ScriptedStore> _stores = [];

    public async Task InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Parley:Redis:Url"] = redis.Configuration,
            ["Parley:Redis:KeyPrefix"] = SharedRedisServer.UniquePrefix(),
            ["Parley:Postgres:ConnectionString"] = postgres.ConnectionStringFor(database),
            ["Parley:Rooms:Policies:0:Prefix"] = "cursor:",
            ["Parley:Rooms:Policies:0:Ephemeral"] = "true",
        };
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(await TestNode.StartAsync(settings, wrapStore: inner =>
            {
                var store = new ScriptedStore(inner);
                _stores.Add(store);
                return store;
            }));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task<RawClient> JoinedAsync(int node, string user, string room)
    {
        var client = await RawClient.ConnectAsync(_nodes[node].WebSocketUri, TestNode.Token("acme", user));
        await client.SendAsync($$"""{"op":"join","rid":"j","room":"{{room}}"}""");
        await client.ExpectAsync("joined");
        return client;
    }

    [Fact]
    public async Task An_ephemeral_rooms_messages_reach_members_on_both_nodes_and_neither_node_writes_to_its_store()
    {
        await using var alice = await JoinedAsync(0, "alice", "cursor:map");
        await using var bob = await JoinedAsync(1, "bob", "cursor:map");

        // Each join returns once its node subscribed the room's topic, so nothing sent now can miss it.
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{i}},"room":"cursor:map","id":"a{{i}}","body":{{i}}}""");
            await bob.SendAsync($$"""{"op":"send","rid":{{i}},"room":"cursor:map","id":"b{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => bob.All("msg").Count(m => m.GetProperty("id").GetString()!.StartsWith('a')) == 5, "bob receives alice's messages from the other node");
        await Eventually.TrueAsync(() => alice.All("msg").Count(m => m.GetProperty("id").GetString()!.StartsWith('b')) == 5, "alice receives bob's messages from the other node");
        Assert.All(bob.All("msg").Concat(alice.All("msg")), m => Assert.False(m.TryGetProperty("seq", out _)));
        Assert.All(_stores, store => Assert.Equal(0, store.Commits));
    }

    [Fact]
    public async Task A_durable_room_on_the_same_cluster_still_commits_and_numbers_its_messages()
    {
        await using var alice = await JoinedAsync(0, "alice", "general");
        await using var bob = await JoinedAsync(1, "bob", "general");
        await alice.SendAsync("""{"op":"send","rid":1,"room":"general","id":"d1","body":1}""");

        var ack = await alice.ExpectAsync("ack");
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());
        var msg = await bob.ExpectAsync("msg", null, TimeSpan.FromSeconds(20));
        Assert.Equal(1, msg.GetProperty("seq").GetInt64());
        Assert.True(_stores[0].Commits >= 1);
    }
}
