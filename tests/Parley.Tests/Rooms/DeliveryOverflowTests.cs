using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Rooms;

/// <summary>
/// A node whose delivery loop stalls while another node publishes: its Redis broker drops what
/// passes its delivery buffer, and its members still receive every committed message once the
/// loop moves again. Two Redis brokers on a real redis-server (the publishing node and the
/// receiving one), a real SQLite store both commit to, and the receiving node's real dispatcher.
/// </summary>
public sealed class DeliveryOverflowTests(SharedRedisServer redis) : IClassFixture<SharedRedisServer>, IAsyncLifetime
{
    private const long Bound = 8 * 1024;
    private const int Messages = 120;
    private static readonly StreamId Room = StreamId.Room("acme", "overflow");
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-overflow-" + Guid.NewGuid().ToString("N"));
    private readonly DeliveryMetrics _metrics = new();
    private readonly ConnectionMetrics _connectionMetrics = new();
    private readonly RedisMetrics _publisherMetrics = new();
    private readonly RedisMetrics _receiverMetrics = new();
    private ConnectionMultiplexer _publisherConnection = null!;
    private ConnectionMultiplexer _receiverConnection = null!;
    private RedisBroker _publisher = null!;
    private RedisBroker _receiver = null!;
    private SqliteMessageStore _store = null!;
    private SocketPair _pair = null!;
    private ClientConnection _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = await SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None);
        _publisherConnection = await RedisTestConnections.ConnectAsync(redis.Configuration, allowAdmin: false);
        _receiverConnection = await RedisTestConnections.ConnectAsync(redis.Configuration, allowAdmin: false);
        _publisher = new RedisBroker(_publisherConnection, new RedisKeys(_prefix), _publisherMetrics, NullLogger<RedisBroker>.Instance);
        _receiver = new RedisBroker(_receiverConnection, new RedisKeys(_prefix), _receiverMetrics, NullLogger<RedisBroker>.Instance, Bound);
        _pair = await SocketPair.CreateAsync();
        var principal = new Principal("acme", "bob", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1));
        _client = new ClientConnection("c-1", _pair.Server, principal, 1024, new TokenBucket(100, 100), _connectionMetrics);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _publisher.DisposeAsync();
        await _receiverConnection.DisposeAsync();
        await _publisherConnection.DisposeAsync();
        _receiverMetrics.Dispose();
        _publisherMetrics.Dispose();
        await _pair.DisposeAsync();
        await _store.DisposeAsync();
        _metrics.Dispose();
        _connectionMetrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_member_receives_every_committed_message_in_order_after_its_node_dropped_deliveries_past_the_bound()
    {
        var stall = new StallingBroker(_receiver);
        var node = new NodeIdentity("n-b", DateTimeOffset.UtcNow, NodeMode.Cluster);
        var dispatcher = new StreamDispatcher(stall, _store, node, _metrics, NullLogger<StreamDispatcher>.Instance);
        await dispatcher.JoinAsync(new StreamSubscription(_client, Room), since: null, _ => { }, CancellationToken.None);
        using var drops = new MeterTotals(_receiver.Metrics.Meter);
        using var arrivals = new MeterTotals(_receiverMetrics.Meter);

        // The first envelope holds the node's delivery loop; the rest pile up behind it, and the
        // last ones, which no later message reveals as a gap, are dropped.
        stall.Close();
        for (var i = 1; i <= Messages; i++)
        {
            await CommitAndPublishAsync(i);
        }

        await Eventually.TrueAsync(() => arrivals.Total("parley.redis.pubsub.messages") == Messages, "every publish reached the receiving node");
        await Eventually.TrueAsync(() => drops.Total("parley.broker.deliveries.dropped") > 0, "the receiving node dropped what passed its bound");
        Assert.True(_receiver.DeliveryBufferPeakBytes <= Bound, $"the buffer held {_receiver.DeliveryBufferPeakBytes} bytes, more than its bound of {Bound}");

        stall.Open();

        await Eventually.TrueAsync(() => _pair.Seqs.Count == Messages, "the member received every committed message");
        Assert.Equal(Enumerable.Range(1, Messages).Select(s => (long)s), _pair.Seqs);
    }

    /// <summary>What the publishing node does with a message: commit it, then broadcast its envelope.</summary>
    private async Task CommitAndPublishAsync(int i)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"text\":\"message {i:D4} {new string('x', 100)}\"}}");
        var committed = (await _store.AppendBatchAsync([new AppendRequest(Room, "alice", $"m-{i}", body, DateTimeOffset.UtcNow)], CancellationToken.None))[0];
        var stored = new StoredMessage(Room, committed.Seq, $"m-{i}", "alice", committed.Timestamp, body);
        await _publisher.PublishAsync(Room.Key, new Envelope("n-a", EnvelopeKind.Durable, committed.Seq, MessageFrames.Encode(Room, stored)), CancellationToken.None);
    }

    /// <summary>The receiving node's broker, whose sinks stall on an envelope while <see cref="Close"/> is in force.</summary>
    private sealed class StallingBroker(IBroker inner) : IBroker
    {
        private readonly ManualResetEventSlim _open = new(true);

        public bool IsConnected => inner.IsConnected;

        public void Close() => _open.Reset();

        public void Open() => _open.Set();

        public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken) => inner.PublishAsync(topic, envelope, cancellationToken);

        public Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken) => inner.SubscribeAsync(topic, new StallingSink(sink, _open), cancellationToken);

        public Task UnsubscribeAsync(string topic, CancellationToken cancellationToken) => inner.UnsubscribeAsync(topic, cancellationToken);

        public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            _open.Set();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class StallingSink(IEnvelopeSink inner, ManualResetEventSlim open) : IEnvelopeSink
    {
        public void OnEnvelope(string topic, Envelope envelope)
        {
            open.Wait(TimeSpan.FromSeconds(30));
            inner.OnEnvelope(topic, envelope);
        }

        public void OnReconnected() => inner.OnReconnected();
    }
}
