using Parley.Node.Broker;

namespace Parley.Tests.Broker;

/// <summary>The broker specification against the in-process broker, plus what only it promises.</summary>
public sealed class MemoryBrokerTests : BrokerSpec
{
    private readonly MemoryBus _bus = new();

    [Fact]
    public async Task Unsubscribing_the_last_node_removes_the_topic_from_the_bus()
    {
        await using var a = new MemoryBroker(_bus);
        await using var b = new MemoryBroker(_bus);
        var sink = new RecordingSink();
        await a.SubscribeAsync("t/acme/r/general", sink, default);
        await b.SubscribeAsync("t/acme/r/general", sink, default);
        await a.SubscribeAsync("t/acme/r/random", sink, default);

        await a.UnsubscribeAsync("t/acme/r/general", default);
        Assert.Equal(2, _bus.TopicCount);
        await b.UnsubscribeAsync("t/acme/r/general", default);
        await a.DisposeAsync();

        Assert.Equal(0, _bus.TopicCount);
    }

    [Fact]
    public async Task A_broker_created_alone_delivers_its_own_publishes()
    {
        await using var node = new MemoryBroker();
        var sink = new RecordingSink();
        await node.SubscribeAsync("t/acme/r/general", sink, default);

        await node.PublishAsync("t/acme/r/general", Message("n-a", 1), default);

        await sink.WaitForAsync(1, "the lone broker delivered its publish");
        Assert.Equal(1, Assert.Single(sink.Envelopes).Seq);
    }

    [Fact]
    public async Task A_disposed_broker_refuses_to_publish_and_reports_disconnected()
    {
        var node = new MemoryBroker(_bus);
        await node.DisposeAsync();

        Assert.False(node.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => node.PublishAsync("t/acme/r/general", Message("n-a", 1), default));
    }

    [Fact]
    public async Task A_stalled_sink_makes_the_broker_drop_past_its_byte_bound_and_then_tell_each_sink_once_to_catch_up()
    {
        const long Bound = 2048;
        await using var a = new MemoryBroker(_bus);
        await using var b = new MemoryBroker(_bus, deliveryBufferBytes: Bound);

        await DeliveryOverflow.RunAsync(a, b, b.Metrics, () => b.DeliveryBufferPeakBytes, Bound, MemoryBroker.SizeOf, "t/acme/r/busy", "t/acme/r/quiet");
    }

    protected override Task<IBroker> CreateNodeAsync() => Task.FromResult<IBroker>(new MemoryBroker(_bus));
}
