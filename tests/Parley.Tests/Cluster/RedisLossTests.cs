using Parley.Node.Cluster;
using Parley.Server.Cluster.Local;
using Parley.Node.Hosting;
using Parley.Node.Limits;
using Parley.Node.Presence;
using Parley.Node.Protocol;
using Parley.Node.Tenancy;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>
/// Redis keeps presence, connection slots and the node registry without persistence. What a
/// restart loses, the node puts back at its next renewal; what a call that timed out left behind,
/// the node takes back. One cluster-mode node in process, with a redis-server of its own (the
/// tests restart and pause it) and a database of its own on the shared PostgreSQL.
/// </summary>
public sealed class RedisLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private LocalRedis _redis = null!;

    public async Task InitializeAsync() => _redis = await LocalRedis.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            await resource.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Presence_slots_and_the_node_entry_lost_in_a_redis_restart_are_back_after_one_renewal()
    {
        var node = await NodeAsync(new()
        {
            ["Parley:Presence:Ttl"] = "00:00:04",
            ["Parley:Presence:HeartbeatInterval"] = "00:00:01",
            ["Parley:Limits:ConnectionsPerUser"] = "1",
        });
        await using var alice = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"lobby"}""");
        await alice.ExpectAsync("joined");
        var limiter = node.Service<IConnectionLimiter>();
        var presence = node.Service<IPresenceStore>();
        var registry = node.Service<INodeRegistry>();
        var nodeId = node.Service<NodeIdentity>().Id;
        var lobby = StreamId.Room("acme", "lobby");
        Assert.Equal(1, await limiter.CountUserAsync("acme", "alice", default));

        await _redis.RestartAsync();
        var restarted = System.Diagnostics.Stopwatch.StartNew();

        await Eventually.TrueAsync(
            () => AnswersAsync(async () =>
                await limiter.CountUserAsync("acme", "alice", default) == 1
                && await limiter.CountTenantAsync("acme", default) == 1
                && await limiter.CountOnlineUsersAsync("acme", default) == 1
                && (await presence.ListAsync(lobby, default)).Contains("alice")
                && (await registry.ListAsync(default)).Any(n => n.Id == nodeId)),
            "the restarted Redis holds alice's slot, her presence in the lobby and the node's entry again",
            TimeSpan.FromSeconds(15));
        output.WriteLine($"slot, presence and node entry back {restarted.Elapsed.TotalMilliseconds:0} ms after redis-server listened again (heartbeat interval 1 s)");

        // The restored slot counts: alice's second connection is over her limit of one.
        await using var second = await RawClient.OpenAsync(node.WebSocketUri);
        await second.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}""");
        Assert.Equal(CloseReason.UserConnectionLimit.Code, await second.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_slot_whose_acquire_timed_out_but_ran_in_redis_is_given_back()
    {
        // A TTL far longer than the test: only a release frees the slot in time.
        var node = await NodeAsync(new()
        {
            ["Parley:Presence:Ttl"] = "00:05:00",
            ["Parley:Presence:HeartbeatInterval"] = "00:01:00",
        });
        var limiter = node.Service<IConnectionLimiter>();

        // A first connection loads the slot scripts: a script Redis does not know yet would only
        // answer NOSCRIPT once resumed, and nothing would be taken.
        await (await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "warmup"))).DisposeAsync();
        await Eventually.TrueAsync(async () => await limiter.CountTenantAsync("acme", default) == 0, "the first connection's slot is released");

        // Stopped, Redis holds the acquire unanswered past the command timeout and runs it once resumed.
        _redis.Pause();
        int code;
        try
        {
            await using var bob = await RawClient.OpenAsync(node.WebSocketUri);
            await bob.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("acme", "bob")}}"}""");
            code = await bob.ExpectClosedAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _redis.Resume();
        }

        Assert.Equal(CloseReason.ServerError.Code, code);
        await Eventually.TrueAsync(
            () => AnswersAsync(async () => await limiter.CountUserAsync("acme", "bob", default) == 0),
            "the refused connection's slot is free again");
        Assert.Equal(0, await limiter.CountTenantAsync("acme", default));
    }

    private async Task<TestNode> NodeAsync(Dictionary<string, string?> settings)
    {
        var postgres = await PostgresServer.SharedAsync();
        settings["Parley:Redis:Url"] = _redis.Url;
        settings["Parley:Postgres:ConnectionString"] = await postgres.CreateDatabaseAsync();
        settings["Parley:Limits:NewConnectionsPerSecond"] = "0";
        var node = await TestNode.StartAsync(settings);
        _owned.Add(node);
        return node;
    }

    /// <summary>The condition's answer, or false while Redis cannot answer yet.</summary>
    private static async Task<bool> AnswersAsync(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (StackExchange.Redis.RedisException)
        {
            return false;
        }
    }
}
