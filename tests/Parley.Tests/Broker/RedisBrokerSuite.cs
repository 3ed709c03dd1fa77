using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Tests.Auth;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Broker;

/// <summary>
/// The broker specification against a Redis deployment given by the concrete class (one
/// redis-server, a Redis Cluster), each node with its own connection, plus what only Redis brings
/// and holds on every deployment: foreign messages on the channel, the prefixed channel names.
/// </summary>
public abstract class RedisBrokerSuite(IRedisTestServer redis) : BrokerSpec
{
    private readonly List<IAsyncDisposable> _owned = [];

    protected string Prefix { get; } = SharedRedisServer.UniquePrefix();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();

        // Brokers first (they give up their channels), then the connections, then any own server.
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            await resource.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_message_on_the_channel_that_is_not_an_envelope_is_ignored_and_logged()
    {
        var logger = new RecordingLogger<RedisBroker>();
        var (a, b) = (await NodeAsync(), await NodeAsync(logger: logger));
        var topic = Topic("room");
        var sink = new RecordingSink();
        await b.SubscribeAsync(topic, sink, default);

        var channel = RedisTestConnections.Channel(redis.Connection, Prefix + "s:" + topic);
        await redis.Connection.GetSubscriber().PublishAsync(channel, "not an envelope");
        await redis.Connection.GetSubscriber().PublishAsync(channel, new byte[] { 1, 1, 0 });
        await a.PublishAsync(topic, Message("n-a", 1), default);

        await sink.WaitForAsync(1, "the envelope after the garbage arrived");
        Assert.Equal(1, Assert.Single(sink.Envelopes).Seq);
        Assert.Equal(2, logger.Entries.Count(e => e.Event.Id == 2200 && e.Level == LogLevel.Debug));
    }

    [Fact]
    public async Task A_topic_travels_on_the_prefixed_channel_and_other_prefixes_do_not_hear_it()
    {
        var a = await NodeAsync();
        var elsewhere = await NodeAsync(prefix: SharedRedisServer.UniquePrefix());
        var topic = "t/acme/r/general";
        var (sink, foreign) = (new RecordingSink(), new RecordingSink());
        await a.SubscribeAsync(topic, sink, default);
        await elsewhere.SubscribeAsync(topic, foreign, default);

        var raw = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = await Own(RedisTestConnections.ConnectAsync(redis.Configuration));
        var queue = await listener.GetSubscriber().SubscribeAsync(RedisTestConnections.Channel(listener, Prefix + "s:t/acme/r/general"));
        queue.OnMessage(message => raw.TrySetResult((byte[])message.Message!));

        await a.PublishAsync(topic, Message("n-a", 5), default);

        Assert.True(EnvelopeCodec.TryDecode(await Eventually.WithinAsync(raw.Task, "the message on the prefixed channel"), out var envelope));
        Assert.Equal(5, envelope!.Seq);
        await sink.WaitForAsync(1, "the node with the same prefix received it");
        await elsewhere.PublishAsync(topic, Message("n-x", 9), default);
        await foreign.WaitForAsync(1, "the node with another prefix received its own publish");
        Assert.Equal(9, Assert.Single(foreign.Envelopes).Seq);
        Assert.Equal(5, Assert.Single(sink.Envelopes).Seq);
    }

    protected override async Task<IBroker> CreateNodeAsync() => await NodeAsync();

    /// <summary>A node with its own connection, to <paramref name="configuration"/> or the suite's server.</summary>
    private protected async Task<RedisBroker> NodeAsync(string? configuration = null, string? prefix = null, ILogger<RedisBroker>? logger = null, long deliveryBufferBytes = BrokerOptions.DefaultDeliveryBufferBytes)
    {
        var connection = await Own(RedisTestConnections.ConnectAsync(configuration ?? redis.Configuration, allowAdmin: false));
        var metrics = new RedisMetrics();
        metrics.Attach(connection);
        _owned.Add(new DisposeMetrics(metrics));
        return await Own(Task.FromResult(new RedisBroker(connection, new RedisKeys(prefix ?? Prefix), metrics, logger ?? NullLogger<RedisBroker>.Instance, deliveryBufferBytes)));
    }

    protected async Task<T> Own<T>(Task<T> creating)
        where T : IAsyncDisposable
    {
        var resource = await creating;
        _owned.Add(resource);
        return resource;
    }

    private sealed class DisposeMetrics(RedisMetrics metrics) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            metrics.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
