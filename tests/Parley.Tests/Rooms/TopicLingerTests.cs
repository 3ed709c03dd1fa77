using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Hosting;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Rooms;

/// <summary>
/// A stream's topic stays subscribed for a while after its last member on the node leaves, so a
/// member coming back costs no SUBSCRIBE and no store read: <c>Cluster:TopicLinger</c> in cluster
/// mode, <c>Store:StreamLinger</c> in embedded mode.
/// </summary>
public sealed class TopicLingerTests : IAsyncLifetime
{
    private static readonly StreamId Room = StreamId.Room("acme", "linger");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-linger-" + Guid.NewGuid().ToString("N"));
    private readonly CountingBroker _broker = new();
    private readonly DeliveryMetrics _metrics = new();
    private readonly ConnectionMetrics _connectionMetrics = new();
    private SqliteMessageStore _store = null!;
    private SocketPair _pair = null!;
    private ClientConnection _connection = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = await SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None);
        _pair = await SocketPair.CreateAsync();
        var principal = new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1));
        _connection = new ClientConnection("c-1", _pair.Server, principal, 1024, new TokenBucket(100, 100), _connectionMetrics);
    }

    public async Task DisposeAsync()
    {
        await _pair.DisposeAsync();
        await _store.DisposeAsync();
        _metrics.Dispose();
        _connectionMetrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private StreamDispatcher Dispatcher(TimeSpan? linger)
    {
        ParleyOptions? options = null;
        if (linger is { } value)
        {
            options = new ParleyOptions();
            options.Redis.Url = "redis://127.0.0.1:1";
            options.Postgres.ConnectionString = "Host=127.0.0.1;Port=1;Database=parley;Username=parley";
            options.Cluster.TopicLinger = value;
        }

        var node = new NodeIdentity("n-test", DateTimeOffset.UtcNow, linger is null ? NodeMode.Embedded : NodeMode.Cluster);
        return new StreamDispatcher(_broker, _store, node, _metrics, NullLogger<StreamDispatcher>.Instance, options is null ? null : Microsoft.Extensions.Options.Options.Create(options));
    }

    /// <summary>A dispatcher as an embedded node builds it: default options, no Redis and no PostgreSQL.</summary>
    private StreamDispatcher EmbeddedDispatcher(ParleyOptions options)
        => new(_broker, _store, new NodeIdentity("n-test", DateTimeOffset.UtcNow, NodeMode.Embedded), _metrics, NullLogger<StreamDispatcher>.Instance, Microsoft.Extensions.Options.Options.Create(options));

    private Task JoinAsync(StreamDispatcher dispatcher, StreamSubscription member)
        => dispatcher.JoinAsync(member, since: null, _ => { }, CancellationToken.None);

    [Fact]
    public async Task A_member_rejoining_within_the_linger_finds_the_topic_still_subscribed()
    {
        var dispatcher = Dispatcher(TimeSpan.FromMinutes(1));
        var first = new StreamSubscription(_connection, Room);
        var second = new StreamSubscription(_connection, Room);
        await JoinAsync(dispatcher, first);
        await JoinAsync(dispatcher, second);
        await dispatcher.LeaveAsync(first);
        await dispatcher.LeaveAsync(second);

        Assert.False(dispatcher.HasMembers(Room));
        Assert.Equal(0, _broker.Unsubscribes);

        await JoinAsync(dispatcher, new StreamSubscription(_connection, Room));

        Assert.True(dispatcher.HasMembers(Room));
        Assert.Equal(1, _broker.Subscribes);
        Assert.Equal(0, _broker.Unsubscribes);
    }

    [Fact]
    public async Task A_topic_left_empty_for_the_whole_linger_is_unsubscribed_and_a_later_join_subscribes_again()
    {
        var dispatcher = Dispatcher(TimeSpan.FromMilliseconds(200));
        var member = new StreamSubscription(_connection, Room);
        await JoinAsync(dispatcher, member);
        await dispatcher.LeaveAsync(member);

        await Eventually.TrueAsync(() => _broker.Unsubscribes == 1, "the topic is unsubscribed after the linger");
        Assert.Equal(0, dispatcher.StreamCount);

        await JoinAsync(dispatcher, new StreamSubscription(_connection, Room));
        Assert.Equal(2, _broker.Subscribes);
        Assert.True(dispatcher.HasMembers(Room));
    }

    [Fact]
    public async Task An_embedded_node_keeps_a_left_stream_so_a_returning_member_costs_no_subscribe_and_no_store_read()
    {
        var dispatcher = EmbeddedDispatcher(new ParleyOptions());
        var member = new StreamSubscription(_connection, Room);
        await JoinAsync(dispatcher, member);
        await dispatcher.LeaveAsync(member);

        Assert.Equal(0, _broker.Unsubscribes);
        Assert.Equal(1, dispatcher.StreamCount);

        // The stream's set-up (a SUBSCRIBE, then the head read from SQLite) ran once, for the first join.
        await JoinAsync(dispatcher, new StreamSubscription(_connection, Room));
        Assert.Equal(1, _broker.Subscribes);
        Assert.True(dispatcher.HasMembers(Room));
    }

    [Fact]
    public async Task An_embedded_node_with_no_stream_linger_unsubscribes_when_the_last_member_leaves()
    {
        var options = new ParleyOptions();
        options.Store.StreamLinger = TimeSpan.Zero;
        var dispatcher = EmbeddedDispatcher(options);
        var member = new StreamSubscription(_connection, Room);
        await JoinAsync(dispatcher, member);
        await dispatcher.LeaveAsync(member);

        Assert.Equal(1, _broker.Unsubscribes);
        Assert.Equal(0, dispatcher.StreamCount);
    }

    [Fact]
    public async Task Without_a_linger_the_last_member_leaving_unsubscribes_at_once()
    {
        var dispatcher = Dispatcher(linger: null);
        var member = new StreamSubscription(_connection, Room);
        await JoinAsync(dispatcher, member);
        await dispatcher.LeaveAsync(member);

        Assert.Equal(1, _broker.Unsubscribes);
        Assert.Equal(0, dispatcher.StreamCount);
    }

    /// <summary>The in-process broker, counting subscription changes.</summary>
    private sealed class CountingBroker : IBroker
    {
        private readonly MemoryBroker _inner = new();
        private int _subscribes;
        private int _unsubscribes;

        public int Subscribes => Volatile.Read(ref _subscribes);

        public int Unsubscribes => Volatile.Read(ref _unsubscribes);

        public bool IsConnected => _inner.IsConnected;

        public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken) => _inner.PublishAsync(topic, envelope, cancellationToken);

        public Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _subscribes);
            return _inner.SubscribeAsync(topic, sink, cancellationToken);
        }

        public Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _unsubscribes);
            return _inner.UnsubscribeAsync(topic, cancellationToken);
        }

        public Task PingAsync(CancellationToken cancellationToken) => _inner.PingAsync(cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
