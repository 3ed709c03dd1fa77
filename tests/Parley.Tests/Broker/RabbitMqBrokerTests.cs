using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Broker.RabbitMq;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>
/// The broker specification against the run's one real RabbitMQ server, each test on an exchange
/// of its own, plus what only a broker that can restart brings: every binding restored after it.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqBrokerTests(RabbitMqServer rabbit) : BrokerSpec
{
    private readonly string _exchange = RabbitMqServer.UniqueExchange();

    private LocalRabbitMq Server => rabbit.Server;

    [Fact]
    public async Task After_a_rabbitmq_restart_every_binding_is_restored_each_sink_is_told_once_and_delivery_resumes()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var (topic, second, other, dropped) = (Topic("room"), Topic("second"), Topic("other"), Topic("dropped"));
        var (shared, alone, gone) = (new RecordingSink(), new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, shared, default);
        await b.SubscribeAsync(second, shared, default);
        await b.SubscribeAsync(other, alone, default);
        await b.SubscribeAsync(dropped, gone, default);
        await b.UnsubscribeAsync(dropped, default);

        await Server.RestartAsync();

        await Eventually.TrueAsync(() => shared.Reconnects == 1 && alone.Reconnects == 1, "every sink heard that the broker reconnected", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => a.IsConnected && b.IsConnected, "both nodes are connected again", TimeSpan.FromSeconds(60));
        await a.PublishAsync(topic, Message("n-a", 1), default);
        await a.PublishAsync(second, Message("n-a", 2), default);
        await a.PublishAsync(other, Message("n-a", 3), default);
        await a.PublishAsync(dropped, Message("n-a", 4), default);
        await shared.WaitForAsync(2, "both topics of the shared sink delivered after the restart");
        await alone.WaitForAsync(1, "the other topic delivered after the restart");
        Assert.Equal([1L, 2L], shared.Envelopes.Select(e => e.Seq));
        Assert.Equal(3, Assert.Single(alone.Envelopes).Seq);
        Assert.Equal(1, shared.Reconnects);
        Assert.Equal(0, gone.Count);
        Assert.Equal(0, gone.Reconnects);
    }

    [Fact]
    public async Task A_node_on_another_exchange_hears_nothing_of_this_one()
    {
        var a = await NodeAsync();
        await using var elsewhere = await ConnectAsync(RabbitMqServer.UniqueExchange());
        var topic = Topic("room");
        var (sink, foreign) = (new RecordingSink(), new RecordingSink());
        await a.SubscribeAsync(topic, sink, default);
        await elsewhere.SubscribeAsync(topic, foreign, default);

        await a.PublishAsync(topic, Message("n-a", 1), default);
        await elsewhere.PublishAsync(topic, Message("n-x", 9), default);

        await sink.WaitForAsync(1, "the node on this exchange received its publish");
        await foreign.WaitForAsync(1, "the node on the other exchange received its own publish");
        Assert.Equal(1, Assert.Single(sink.Envelopes).Seq);
        Assert.Equal(9, Assert.Single(foreign.Envelopes).Seq);
    }

    protected override async Task<IBroker> CreateNodeAsync() => await ConnectAsync(_exchange);

    private async Task<RabbitMqBroker> ConnectAsync(string exchange)
    {
        var options = new RabbitMqOptions { Url = Server.Url, Exchange = exchange, ReconnectDelay = TimeSpan.FromMilliseconds(250) };
        return await RabbitMqBroker.ConnectAsync(options, 16 * 1024 * 1024, "spec", NullLogger<RabbitMqBroker>.Instance, default);
    }
}
