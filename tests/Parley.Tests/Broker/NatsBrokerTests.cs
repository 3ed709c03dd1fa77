using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Broker.Nats;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>A nats-server shared by the tests of a class; each test keeps to a subject prefix of its own.</summary>
public sealed class SharedNatsServer : IAsyncLifetime
{
    public LocalNats Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LocalNats.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The broker specification against a real nats-server, plus what only a server that can go away
/// brings: every subscription restored after a restart, and each sink told once.
/// </summary>
public sealed class NatsBrokerTests(SharedNatsServer nats) : BrokerSpec, IClassFixture<SharedNatsServer>
{
    private readonly string _prefix = "test." + Guid.NewGuid().ToString("N");
    private readonly List<IAsyncDisposable> _owned = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            await resource.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_nats_restart_every_subscription_is_restored_each_sink_is_told_once_and_delivery_resumes()
    {
        var server = await LocalNats.StartAsync();
        _owned.Add(server);
        var (a, b) = (await ConnectAsync(server.Url), await ConnectAsync(server.Url));
        var (topic, second, other) = (Topic("room"), Topic("second"), Topic("other"));
        var (shared, alone) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, shared, default);
        await b.SubscribeAsync(second, shared, default);
        await b.SubscribeAsync(other, alone, default);

        await server.RestartAsync();

        await Eventually.TrueAsync(() => shared.Reconnects == 1 && alone.Reconnects == 1, "every sink heard that the broker reconnected", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => a.IsConnected && b.IsConnected, "both nodes are connected again", TimeSpan.FromSeconds(30));
        await a.PublishAsync(topic, Message("n-a", 1), default);
        await a.PublishAsync(second, Message("n-a", 2), default);
        await a.PublishAsync(other, Message("n-a", 3), default);
        await shared.WaitForAsync(2, "both topics of the shared sink delivered after the restart");
        await alone.WaitForAsync(1, "the other topic delivered after the restart");
        Assert.Equal([1L, 2L], shared.Envelopes.Select(e => e.Seq));
        Assert.Equal(3, Assert.Single(alone.Envelopes).Seq);
        Assert.Equal(1, shared.Reconnects);
    }

    [Fact]
    public async Task Publishing_while_nats_is_down_fails_at_once_and_the_broker_works_again_once_it_is_back()
    {
        var server = await LocalNats.StartAsync();
        _owned.Add(server);
        var (a, b) = (await ConnectAsync(server.Url), await ConnectAsync(server.Url));
        var topic = Topic("room");
        var sink = new RecordingSink();
        await b.SubscribeAsync(topic, sink, default);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !a.IsConnected && !b.IsConnected, "both nodes noticed NATS is gone");
        await Assert.ThrowsAsync<BrokerUnavailableException>(() => a.PublishAsync(topic, Message("n-a", 1), default));
        await Assert.ThrowsAsync<BrokerUnavailableException>(() => b.SubscribeAsync(Topic("refused"), new RecordingSink(), default));

        await server.StartAgainAsync();
        await Eventually.TrueAsync(() => sink.Reconnects == 1 && a.IsConnected, "both nodes are back", TimeSpan.FromSeconds(30));
        await a.PublishAsync(topic, Message("n-a", 2), default);
        await sink.WaitForAsync(1, "the publish after the outage arrived");
        Assert.Equal(2, Assert.Single(sink.Envelopes).Seq);
    }

    [Fact]
    public async Task A_stalled_server_never_holds_up_a_publish_and_past_the_outbox_bound_publishes_are_refused_at_once()
    {
        var server = await LocalNats.StartAsync();
        _owned.Add(server);
        var a = await ConnectAsync(server.Url, publishBufferBytes: 1024 * 1024);
        var topic = Topic("room");
        var frame = new byte[64 * 1024];

        server.Pause();
        var publishes = new List<Task>();
        await Eventually.TrueAsync(() =>
        {
            // Each call returns at once, whatever the server does: a caller (an acknowledgement) never waits for it.
            for (var i = 0; i < 32; i++)
            {
                publishes.Add(a.PublishAsync(topic, new Envelope("n-a", EnvelopeKind.Durable, publishes.Count + 1, frame), default));
            }

            return publishes.Any(p => p.IsFaulted);
        }, "publishes past the outbox's bound are refused while the server is stalled", TimeSpan.FromSeconds(30));

        var refused = publishes.First(p => p.IsFaulted);
        Assert.IsType<BrokerUnavailableException>(refused.Exception!.InnerException);
        server.Resume();
        await Eventually.TrueAsync(() => publishes.All(p => p.IsCompleted), "every publish is written or refused once the server is back", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_stalled_sink_makes_the_broker_drop_past_its_byte_bound_and_then_tell_each_sink_once_to_catch_up()
    {
        const long Bound = 2048;
        var (a, b) = (await ConnectAsync(nats.Server.Url), await ConnectAsync(nats.Server.Url, deliveryBufferBytes: Bound));

        await DeliveryOverflow.RunAsync(a, b, b.Metrics, () => b.DeliveryBufferPeakBytes, Bound, e => EnvelopeCodec.Encode(e).Length, Topic("busy"), Topic("quiet"));
    }

    protected override async Task<IBroker> CreateNodeAsync() => await ConnectAsync(nats.Server.Url, owned: false);

    private async Task<NatsBroker> ConnectAsync(string url, bool owned = true, long publishBufferBytes = 16 * 1024 * 1024, long deliveryBufferBytes = BrokerOptions.DefaultDeliveryBufferBytes)
    {
        var options = new NatsOptions { Url = url, SubjectPrefix = _prefix, ReconnectDelay = TimeSpan.FromMilliseconds(200) };
        var broker = await NatsBroker.ConnectAsync(options, publishBufferBytes, "spec", NullLogger<NatsBroker>.Instance, default, deliveryBufferBytes);
        if (owned)
        {
            // Disposed before the servers this test started.
            _owned.Insert(0, broker);
        }

        return broker;
    }
}
