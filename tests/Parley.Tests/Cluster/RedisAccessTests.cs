using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Server.Cluster.Local;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Tenancy;
using Parley.Tests.Broker;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Cluster;

/// <summary>How a node reaches Redis: as an ACL user with only the rights docs/security.md lists, on the database its URL names, or not at all.</summary>
public sealed class RedisAccessTests : IAsyncLifetime
{
    /// <summary>The ACL rules docs/security.md recommends for the node's user, with the default prefix.</summary>
    private static readonly string[] DocumentedRules =
        ["on", ">node-secret", "resetkeys", "resetchannels", "~parley:*", "&parley:*", "-@all", "+@read", "+@write", "+@pubsub", "+@scripting", "+@connection", "-@dangerous", "+info", "+time"];

    private readonly RedisMetrics _metrics = new();
    private LocalRedis _server = null!;
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalRedis.StartAsync(password: "admin");
        _admin = await RedisTestConnections.ConnectAsync(_server.Url);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _server.DisposeAsync();
        _metrics.Dispose();
    }

    [Fact]
    public async Task A_node_whose_acl_user_has_only_the_documented_rights_runs_every_redis_backed_part()
    {
        await _admin.GetDatabase().ExecuteAsync("ACL", ["SETUSER", "parley", .. DocumentedRules]);
        await using var redis = await RedisTestConnections.ConnectAsync($"{_server.Host}:{_server.Port},user=parley,password=node-secret", allowAdmin: false);
        var keys = new RedisKeys("parley:");

        await using var broker = new RedisBroker(redis, keys, _metrics, NullLogger<RedisBroker>.Instance);
        var sink = new RecordingSink();
        await broker.SubscribeAsync("t/acme/r/lobby", sink, default);
        await broker.PublishAsync("t/acme/r/lobby", new Envelope("n-a", EnvelopeKind.Ephemeral, 0, new byte[] { 1, 2, 3 }), default);
        await sink.WaitForAsync(1, "the envelope came back through the restricted user's channel");
        var room = StreamId.Room("acme", "lobby");
        Assert.True(await new RedisPresenceStore(redis, keys, _metrics).AddAsync(room, new("alice", "c1"), TimeSpan.FromMinutes(1), default));
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Unlimited, Limit.Unlimited);
        Assert.Equal(SlotResult.Acquired, await new RedisConnectionLimiter(redis, keys, _metrics).TryAcquireAsync(new("acme", "alice", "c1"), quota, TimeSpan.FromMinutes(1), default));
        var registry = new RedisNodeRegistry(redis, keys, _metrics);
        await registry.AnnounceAsync(new NodeInfo("n-a", DateTimeOffset.UnixEpoch, 1, DateTimeOffset.UnixEpoch), TimeSpan.FromMinutes(1), default);
        Assert.Equal("n-a", Assert.Single(await registry.ListAsync(default)).Id);
        var rates = new RedisPublishRateLimiter(redis, keys, _metrics, NullLogger<RedisPublishRateLimiter>.Instance);
        Assert.True(await rates.TryTakeAsync("acme", 10, default));
        Assert.False(rates.IsFallingBack, "the rate lease came from Redis");
    }

    [Fact]
    public async Task The_database_a_url_names_is_where_the_keys_go()
    {
        await using var redis = await RedisTestConnections.ConnectAsync(_server.Url + "/3", allowAdmin: false);
        var keys = new RedisKeys("parley:");
        var room = StreamId.Room("acme", "lobby");

        await new RedisPresenceStore(redis, keys, _metrics).AddAsync(room, new("alice", "c1"), TimeSpan.FromMinutes(1), default);

        Assert.True(await _admin.GetDatabase(3).KeyExistsAsync(keys.PresenceRoom(room.Key)));
        Assert.False(await _admin.GetDatabase(0).KeyExistsAsync(keys.PresenceRoom(room.Key)));
    }

    [Fact]
    public async Task A_wrong_password_or_an_unreachable_server_fails_the_first_connect()
    {
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisTestConnections.ConnectAsync($"redis://:wrong@{_server.Host}:{_server.Port}"));
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisTestConnections.ConnectAsync($"redis://127.0.0.1:{Ports.Free()}"));
    }
}
