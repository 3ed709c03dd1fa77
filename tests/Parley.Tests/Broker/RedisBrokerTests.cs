using Parley.Node.Broker;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Broker;

/// <summary>
/// The Redis broker suite on one redis-server shared by the class, plus what one server lets a test
/// do to it: restart it, stop it.
/// </summary>
public sealed class RedisBrokerTests(SharedRedisServer redis) : RedisBrokerSuite(redis), IClassFixture<SharedRedisServer>
{
    [Fact]
    public async Task After_a_redis_restart_the_broker_subscribes_again_tells_each_sink_once_and_delivery_resumes()
    {
        var server = await OwnServerAsync();
        var (a, b) = (await NodeAsync(server.Url), await NodeAsync(server.Url));
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
    public async Task Publishing_while_redis_is_down_fails_at_once_and_the_broker_works_again_once_it_is_back()
    {
        var server = await OwnServerAsync();
        var (a, b) = (await NodeAsync(server.Url), await NodeAsync(server.Url));
        var (topic, refusedTopic) = (Topic("room"), Topic("refused"));
        var (sink, refusedSink) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, sink, default);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !a.IsConnected && !b.IsConnected, "both nodes noticed Redis is gone");

        // Fail fast: nothing is queued to be sent later, so an outage builds no backlog.
        await Assert.ThrowsAsync<RedisConnectionException>(() => a.PublishAsync(topic, Message("n-a", 1), default));
        await Assert.ThrowsAsync<RedisConnectionException>(() => b.SubscribeAsync(refusedTopic, refusedSink, default));

        await server.StartAgainAsync();
        await Eventually.TrueAsync(() => sink.Reconnects == 1 && a.IsConnected, "both nodes are back");
        await a.PublishAsync(topic, Message("n-a", 2), default);
        await sink.WaitForAsync(1, "the publish after the outage arrived");
        Assert.Equal(2, Assert.Single(sink.Envelopes).Seq);

        // A subscribe that failed is not quietly made good later: its caller was told it failed.
        var raw = await Own(RedisTestConnections.ConnectAsync(server.Url));
        var subscribers = await raw.GetSubscriber().PublishAsync(RedisChannel.Literal(Prefix + "s:" + refusedTopic), "probe");
        Assert.Equal(0, subscribers);
        Assert.Equal(0, refusedSink.Reconnects);
    }

    [Fact]
    public async Task A_stalled_sink_makes_the_broker_drop_past_its_byte_bound_and_then_tell_each_sink_once_to_catch_up()
    {
        const long Bound = 2048;
        var (a, b) = (await NodeAsync(), await NodeAsync(deliveryBufferBytes: Bound));

        await DeliveryOverflow.RunAsync(a, b, b.Metrics, () => b.DeliveryBufferPeakBytes, Bound, e => EnvelopeCodec.Encode(e).Length, Topic("busy"), Topic("quiet"));
    }

    /// <summary>A redis-server for this test alone, for tests that stop or restart it.</summary>
    private Task<LocalRedis> OwnServerAsync() => Own(LocalRedis.StartAsync());
}
