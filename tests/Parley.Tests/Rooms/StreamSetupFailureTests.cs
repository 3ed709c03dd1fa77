using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Hosting;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Rooms;

/// <summary>
/// A stream whose setup fails after its topic was subscribed (the store is down during the room's
/// first join on the node) must not leave the node subscribed to traffic it discards: the Redis
/// broker on a real redis-server, and a store whose head reads fail on demand.
/// </summary>
public sealed class StreamSetupFailureTests(SharedRedisServer redis) : IClassFixture<SharedRedisServer>, IAsyncLifetime
{
    private static readonly StreamId Room = StreamId.Room("acme", "setup");
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-setup-" + Guid.NewGuid().ToString("N"));
    private readonly DeliveryMetrics _metrics = new();
    private readonly ConnectionMetrics _connectionMetrics = new();
    private readonly RedisMetrics _redisMetrics = new();
    private ConnectionMultiplexer _connection = null!;
    private RedisBroker _broker = null!;
    private SqliteMessageStore _sqlite = null!;
    private SocketPair _pair = null!;
    private ClientConnection _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _sqlite = await SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None);
        _connection = await RedisTestConnections.ConnectAsync(redis.Configuration, allowAdmin: false);
        _broker = new RedisBroker(_connection, new RedisKeys(_prefix), _redisMetrics, NullLogger<RedisBroker>.Instance);
        _pair = await SocketPair.CreateAsync();
        var principal = new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1));
        _client = new ClientConnection("c-1", _pair.Server, principal, 1024, new TokenBucket(100, 100), _connectionMetrics);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _connection.DisposeAsync();
        _redisMetrics.Dispose();
        await _pair.DisposeAsync();
        await _sqlite.DisposeAsync();
        _metrics.Dispose();
        _connectionMetrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_first_join_failing_on_the_store_leaves_the_topic_unsubscribed_and_a_later_join_works()
    {
        var store = new FlakyHeadStore(_sqlite) { Down = true };
        var node = new NodeIdentity("n-setup", DateTimeOffset.UtcNow, NodeMode.Cluster);
        var dispatcher = new StreamDispatcher(_broker, store, node, _metrics, NullLogger<StreamDispatcher>.Instance);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => JoinAsync(dispatcher));

        await Eventually.TrueAsync(async () => await SubscribersAsync() == 0, "the node gave up the room's channel", TimeSpan.FromSeconds(5));
        Assert.False(dispatcher.HasMembers(Room));

        store.Down = false;
        await JoinAsync(dispatcher);
        Assert.Equal(1, await SubscribersAsync());
    }

    private Task JoinAsync(StreamDispatcher dispatcher)
        => dispatcher.JoinAsync(new StreamSubscription(_client, Room), since: null, _ => { }, CancellationToken.None);

    /// <summary>Subscribers of the room's channel on the Redis server, as PUBSUB NUMSUB counts them.</summary>
    private async Task<long> SubscribersAsync()
    {
        var reply = (RedisResult[])(await redis.Connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", $"{_prefix}s:{Room.Key}"))!;
        return (long)reply[1];
    }

    /// <summary>The real store, except that reading a head fails while <see cref="Down"/>.</summary>
    private sealed class FlakyHeadStore(IMessageStore inner) : IMessageStore
    {
        public bool Down { get; set; }

        public Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken)
            => Down ? throw new StoreUnavailableException("The store is down.") : inner.GetHeadAsync(stream, cancellationToken);

        public Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken) => inner.AppendBatchAsync(batch, cancellationToken);

        public Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken) => inner.ReadAfterAsync(stream, afterSeq, limit, cancellationToken);

        public Task<IReadOnlyList<StoredMessage>> ReadBeforeAsync(StreamId stream, long beforeSeq, int limit, CancellationToken cancellationToken) => inner.ReadBeforeAsync(stream, beforeSeq, limit, cancellationToken);

        public Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken) => inner.GetHeadsAsync(streams, cancellationToken);

        public Task<long> TrimAsync(Func<StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken) => inner.TrimAsync(policyFor, now, cancellationToken);

        public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
    }
}
