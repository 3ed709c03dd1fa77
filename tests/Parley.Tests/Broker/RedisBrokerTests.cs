using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Redis;
using Parley.Node.Broker;
using Parley.Server.Cluster.Local;
using Parley.Tests.Auth;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>
/// The broker specification against a real redis-server shared by the class, each node with its
/// own connection and subscriber, plus what only Redis brings: restarts, outages, foreign messages.
/// </summary>
public sealed class RedisBrokerTests(SharedRedisServer redis) : BrokerSpec, IClassFixture<SharedRedisServer>
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly List<IAsyncDisposable> _owned = [];

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
    public async Task After_a_redis_restart_the_broker_subscribes_again_tells_each_sink_once_and_delivery_resumes()
    {
        var server = await OwnServerAsync();
        var (a, b) = (await NodeAsync(server), await NodeAsync(server));
        var (topic, second, other) = (Topic("room"), Topic("second"), Topic("other"));
        var (shared, alone) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, shared, default);
        await b.SubscribeAsync(second, shared, default);
        await b.SubscribeAsync(other, alone, default);

        await server.RestartAsync();

        await Eventually.TrueAsync(() => shared.Reconnects == 1 && alone.Reconnects == 1, "every sink heard that the broker reconnected");
        await Eventually.TrueAsync(() => a.IsConnected && b.IsConnected, "both nodes are connected again");
        await a.PublishAsync(topic, Message("n-a", 1), default);
        await a.PublishAsync(second, Message("n-a", 2), default);
        await a.PublishAsync(other, Message("n-a", 3), default);
        await shared.WaitForAsync(2, "both topics of the shared sink delivered after the restart");
        await alone.WaitForAsync(1, "the other topic delivered after the restart");
        Assert.Equal([1L, 2L], shared.Envelopes.Select(e => e.Seq));
        Assert.Equal(3, Assert.Single(alone.Envelopes).Seq);
        Assert.Equal(1, shared.Reconnects);
        Assert.Equal(1, alone.Reconnects);
    }

    [Fact]
    public async Task Publishing_while_redis_is_down_throws_and_the_broker_works_again_once_it_is_back()
    {
        var server = await OwnServerAsync();
        var (a, b) = (await NodeAsync(server), await NodeAsync(server));
        var (topic, refusedTopic) = (Topic("room"), Topic("refused"));
        var (sink, refusedSink) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, sink, default);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !a.IsConnected && !b.IsConnected, "both nodes noticed Redis is gone");
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => a.PublishAsync(topic, Message("n-a", 1), default));
        Assert.Contains("PUBLISH was not sent", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RedisConnectionException>(() => b.SubscribeAsync(refusedTopic, refusedSink, default));

        await server.StartAgainAsync();
        await Eventually.TrueAsync(() => sink.Reconnects == 1 && a.IsConnected, "both nodes are back");
        await a.PublishAsync(topic, Message("n-a", 2), default);
        await sink.WaitForAsync(1, "the publish after the outage arrived");
        Assert.Equal(2, Assert.Single(sink.Envelopes).Seq);

        // A subscribe that failed is not quietly made good later: its caller was told it failed.
        var raw = await Own(RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url)));
        Assert.Equal(0, (await raw.ExecuteAsync("PUBSUB", "NUMSUB", _prefix + "s:" + refusedTopic)).Items[1].AsInt64());
        Assert.Equal(0, refusedSink.Reconnects);
    }

    [Fact]
    public async Task A_message_on_the_channel_that_is_not_an_envelope_is_ignored_and_logged()
    {
        var logger = new RecordingLogger<RedisBroker>();
        var (a, b) = (await NodeAsync(), await NodeAsync(logger: logger));
        var topic = Topic("room");
        var sink = new RecordingSink();
        await b.SubscribeAsync(topic, sink, default);

        await redis.Connection.ExecuteAsync("PUBLISH", _prefix + "s:" + topic, "not an envelope");
        await redis.Connection.ExecuteAsync("PUBLISH", _prefix + "s:" + topic, new byte[] { 1, 1, 0 });
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
        var listener = await Own(RedisSubscriber.ConnectAsync(redis.Options));
        await listener.SubscribeAsync(_prefix + "s:t/acme/r/general", (_, payload) =>
        {
            raw.TrySetResult(payload.ToArray());
            return ValueTask.CompletedTask;
        });

        await a.PublishAsync(topic, Message("n-a", 5), default);

        Assert.True(EnvelopeCodec.TryDecode(await Eventually.WithinAsync(raw.Task, "the message on the prefixed channel"), out var envelope));
        Assert.Equal(5, envelope!.Seq);
        await sink.WaitForAsync(1, "the node with the same prefix received it");
        await elsewhere.PublishAsync(topic, Message("n-x", 9), default);
        await foreign.WaitForAsync(1, "the node with another prefix received its own publish");
        Assert.Equal(9, Assert.Single(foreign.Envelopes).Seq);
        Assert.Equal(5, Assert.Single(sink.Envelopes).Seq);
    }

    protected override Task<IBroker> CreateNodeAsync() => NodeAsync();

    /// <summary>A node with its own connection and subscriber, on the shared server unless told otherwise.</summary>
    private async Task<IBroker> NodeAsync(LocalRedis? server = null, string? prefix = null, ILogger<RedisBroker>? logger = null)
    {
        var options = server is null
            ? redis.Options
            : RedisConnectionOptions.Parse(server.Url) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) };
        var connection = await Own(RedisConnection.ConnectAsync(options));
        var subscriber = await Own(RedisSubscriber.ConnectAsync(options));
        return await Own(Task.FromResult(new RedisBroker(connection, subscriber, prefix ?? _prefix, logger ?? NullLogger<RedisBroker>.Instance)));
    }

    /// <summary>A redis-server for this test alone, for tests that stop or restart it.</summary>
    private Task<LocalRedis> OwnServerAsync() => Own(LocalRedis.StartAsync());

    private async Task<T> Own<T>(Task<T> creating)
        where T : IAsyncDisposable
    {
        var resource = await creating;
        _owned.Add(resource);
        return resource;
    }
}
