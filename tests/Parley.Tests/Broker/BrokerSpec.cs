using System.Text;
using Parley.Node.Broker;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>
/// What every <see cref="IBroker"/> must do. An implementation derives from this suite and says
/// how to create a node: every node created within one test shares one medium (a bus, a server),
/// as the nodes of one cluster do. Topics are unique per test, so a shared server can run the suite.
/// The suite disposes every node it created when the test ends; disposing twice must be harmless.
/// </summary>
public abstract class BrokerSpec : IAsyncLifetime
{
    private readonly List<IBroker> _nodes = [];
    private readonly string _topicPrefix = $"spec/{Guid.NewGuid():N}/";

    /// <summary>A new node on the medium shared by every node of the current test.</summary>
    protected abstract Task<IBroker> CreateNodeAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Publish_reaches_every_other_subscribed_node()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var (atB, atC) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, atB, default);
        await c.SubscribeAsync(topic, atC, default);

        await a.PublishAsync(topic, Message("n-a", 1), default);

        await atB.WaitForAsync(1, "node b received the publish");
        await atC.WaitForAsync(1, "node c received the publish");
        Assert.Equal(1, Assert.Single(atB.Envelopes).Seq);
        Assert.Equal(topic, Assert.Single(atC.Topics));
    }

    [Fact]
    public async Task Publisher_subscribed_to_its_topic_receives_its_own_echo_with_its_origin()
    {
        var a = await NodeAsync();
        var topic = Topic("room");
        var sink = new RecordingSink();
        await a.SubscribeAsync(topic, sink, default);

        await a.PublishAsync(topic, Message("n-a", 7), default);

        await sink.WaitForAsync(1, "the publisher received its echo");
        var echo = Assert.Single(sink.Envelopes);
        Assert.Equal("n-a", echo.Origin);
        Assert.Equal(7, echo.Seq);
    }

    [Fact]
    public async Task Envelope_fields_and_frame_bytes_arrive_intact()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var sink = new RecordingSink();
        await b.SubscribeAsync(topic, sink, default);

        // Every byte value, then a large pseudo-random tail: nothing may be re-encoded on the way.
        var frame = new byte[256 + (48 * 1024)];
        for (var i = 0; i < 256; i++)
        {
            frame[i] = (byte)i;
        }

        new Random(42).NextBytes(frame.AsSpan(256));
        var sent = new Envelope("n-a", EnvelopeKind.Ephemeral, 0, frame, Exclude: "c-42", PublishedAtMs: 1_790_000_000_123);
        var durable = new Envelope("n-a", EnvelopeKind.Durable, long.MaxValue, "{\"op\":\"msg\",\"body\":\"h\u00e9\"}"u8.ToArray());
        await a.PublishAsync(topic, sent, default);
        await a.PublishAsync(topic, durable, default);

        await sink.WaitForAsync(2, "both envelopes arrived");
        var (first, second) = (sink.Envelopes[0], sink.Envelopes[1]);
        Assert.Equal("n-a", first.Origin);
        Assert.Equal(EnvelopeKind.Ephemeral, first.Kind);
        Assert.Equal(0, first.Seq);
        Assert.Equal("c-42", first.Exclude);
        Assert.Equal(1_790_000_000_123, first.PublishedAtMs);
        Assert.True(frame.AsSpan().SequenceEqual(first.Frame.Span), "The frame bytes changed in transit.");
        Assert.Equal(EnvelopeKind.Durable, second.Kind);
        Assert.Equal(long.MaxValue, second.Seq);
        Assert.Equal("", second.Exclude);
        Assert.Equal(0, second.PublishedAtMs);
        Assert.True(durable.Frame.Span.SequenceEqual(second.Frame.Span), "The frame bytes changed in transit.");
    }

    [Fact]
    public async Task Envelopes_from_one_publisher_arrive_in_publish_order_on_every_node()
    {
        const int count = 1000;
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var (atA, atB) = (new RecordingSink(), new RecordingSink());
        await a.SubscribeAsync(topic, atA, default);
        await b.SubscribeAsync(topic, atB, default);

        for (var seq = 1; seq <= count; seq++)
        {
            await a.PublishAsync(topic, Message("n-a", seq), default);
        }

        await atA.WaitForAsync(count, "the publisher received every echo");
        await atB.WaitForAsync(count, "the other node received every envelope");
        var expected = Enumerable.Range(1, count).Select(i => (long)i);
        Assert.Equal(expected, atA.Envelopes.Select(e => e.Seq));
        Assert.Equal(expected, atB.Envelopes.Select(e => e.Seq));
        Assert.Equal(0, atA.Overlaps);
        Assert.Equal(0, atB.Overlaps);
    }

    [Fact]
    public async Task Concurrent_publishers_each_keep_their_order_and_a_sink_is_never_called_concurrently()
    {
        const int perPublisher = 500;
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var sink = new RecordingSink(_ => Thread.SpinWait(200));
        await c.SubscribeAsync(topic, sink, default);

        async Task PublishAll(IBroker node, string origin)
        {
            for (var seq = 1; seq <= perPublisher; seq++)
            {
                await node.PublishAsync(topic, Message(origin, seq), default);
            }
        }

        await Task.WhenAll(Task.Run(() => PublishAll(a, "n-a")), Task.Run(() => PublishAll(b, "n-b")));

        await sink.WaitForAsync(2 * perPublisher, "every envelope of both publishers arrived");
        var expected = Enumerable.Range(1, perPublisher).Select(i => (long)i);
        Assert.Equal(expected, sink.Envelopes.Where(e => e.Origin == "n-a").Select(e => e.Seq));
        Assert.Equal(expected, sink.Envelopes.Where(e => e.Origin == "n-b").Select(e => e.Seq));
        Assert.Equal(0, sink.Overlaps);
    }

    [Fact]
    public async Task Topics_are_isolated_from_each_other()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var (x, y, unheard) = (Topic("x"), Topic("y"), Topic("unheard"));
        var (bx, by, cy) = (new RecordingSink(), new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(x, bx, default);
        await b.SubscribeAsync(y, by, default);
        await c.SubscribeAsync(y, cy, default);

        await a.PublishAsync(unheard, Message("n-a", 100), default);
        for (var seq = 1; seq <= 3; seq++)
        {
            await a.PublishAsync(x, Message("n-a", seq), default);
        }

        await a.PublishAsync(y, Message("n-a", 10), default);

        await bx.WaitForAsync(3, "node b received topic x");
        await by.WaitForAsync(1, "node b received topic y");
        await cy.WaitForAsync(1, "node c received topic y");
        Assert.Equal([1L, 2L, 3L], bx.Envelopes.Select(e => e.Seq));
        Assert.All(bx.Topics, t => Assert.Equal(x, t));
        Assert.Equal(10, Assert.Single(by.Envelopes).Seq);
        Assert.Equal(10, Assert.Single(cy.Envelopes).Seq);
        Assert.Equal(y, Assert.Single(cy.Topics));
    }

    [Fact]
    public async Task Unsubscribed_topic_is_no_longer_delivered_to_that_node()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var (before, after, stillSubscribed) = (new RecordingSink(), new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, before, default);
        await c.SubscribeAsync(topic, stillSubscribed, default);

        await b.UnsubscribeAsync(topic, default);
        await a.PublishAsync(topic, Message("n-a", 1), default);
        // A broker may send publishes from an outbox after PublishAsync returns: once node c has
        // the first, the server has routed it, and b's old subscription would have had it too.
        await stillSubscribed.WaitForAsync(1, "node c received the first publish");

        // Subscribing again shows where the first publish went: in order, it would precede the second.
        await b.SubscribeAsync(topic, after, default);
        await a.PublishAsync(topic, Message("n-a", 2), default);

        await after.WaitForAsync(1, "node b received the publish made after it subscribed again");
        await stillSubscribed.WaitForAsync(2, "node c received both publishes");
        Assert.Equal(0, before.Count);
        Assert.Equal(2, Assert.Single(after.Envelopes).Seq);
        Assert.Equal([1L, 2L], stillSubscribed.Envelopes.Select(e => e.Seq));
    }

    [Fact]
    public async Task Unsubscribing_a_topic_never_subscribed_is_a_no_op()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var sink = new RecordingSink();
        await b.SubscribeAsync(topic, sink, default);

        await b.UnsubscribeAsync(Topic("never-subscribed"), default);
        await a.UnsubscribeAsync(topic, default);
        await a.PublishAsync(topic, Message("n-a", 1), default);

        await sink.WaitForAsync(1, "the subscribed topic still delivered");
        Assert.Equal(1, Assert.Single(sink.Envelopes).Seq);
    }

    [Fact]
    public async Task Subscribing_a_topic_again_replaces_its_sink()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var (first, second) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, first, default);
        await b.SubscribeAsync(topic, second, default);

        await a.PublishAsync(topic, Message("n-a", 1), default);
        await a.PublishAsync(topic, Message("n-a", 2), default);

        await second.WaitForAsync(2, "the replacing sink received both publishes");
        Assert.Equal([1L, 2L], second.Envelopes.Select(e => e.Seq));
        Assert.Equal(0, first.Count);
    }

    [Fact]
    public async Task A_sink_that_throws_does_not_break_delivery()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var (topic, other) = (Topic("room"), Topic("other"));
        var throwing = new RecordingSink(_ => throw new InvalidOperationException("sink failure"));
        var (sameNode, otherNode) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, throwing, default);
        await b.SubscribeAsync(other, sameNode, default);
        await c.SubscribeAsync(topic, otherNode, default);

        for (var seq = 1; seq <= 3; seq++)
        {
            await a.PublishAsync(topic, Message("n-a", seq), default);
            await a.PublishAsync(other, Message("n-a", seq), default);
        }

        await throwing.WaitForAsync(3, "the throwing sink was still called for every envelope");
        await sameNode.WaitForAsync(3, "another topic on the same node kept delivering");
        await otherNode.WaitForAsync(3, "another node kept delivering");
        Assert.Equal([1L, 2L, 3L], throwing.Envelopes.Select(e => e.Seq));
        Assert.Equal([1L, 2L, 3L], otherNode.Envelopes.Select(e => e.Seq));
    }

    [Fact]
    public async Task Publish_does_not_wait_for_a_busy_sink()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        using var release = new ManualResetEventSlim();
        var sink = new RecordingSink(_ => release.Wait(TimeSpan.FromSeconds(10)));
        await b.SubscribeAsync(topic, sink, default);

        try
        {
            await a.PublishAsync(topic, Message("n-a", 1), default);
            await sink.WaitForAsync(1, "the sink is busy with the first envelope");

            var second = a.PublishAsync(topic, Message("n-a", 2), default);
            await Eventually.WithinAsync(second.ContinueWith(_ => true, TaskScheduler.Default), "a publish while the sink is busy", TimeSpan.FromSeconds(5));
            await second;
            Assert.Equal(1, sink.Count);
        }
        finally
        {
            release.Set();
        }

        await sink.WaitForAsync(2, "the second envelope arrived once the sink was free");
        Assert.Equal([1L, 2L], sink.Envelopes.Select(e => e.Seq));
    }

    [Fact]
    public async Task A_disposed_node_stops_receiving_and_the_others_carry_on()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var topic = Topic("room");
        var (atB, atC) = (new RecordingSink(), new RecordingSink());
        await b.SubscribeAsync(topic, atB, default);
        await c.SubscribeAsync(topic, atC, default);

        await b.DisposeAsync();
        await a.PublishAsync(topic, Message("n-a", 1), default);

        await atC.WaitForAsync(1, "the remaining node received the publish");
        Assert.Equal(0, atB.Count);
    }

    [Fact]
    public async Task Topics_whose_names_hold_dots_and_wildcards_never_reach_each_other()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        // Wildcards and separators of every broker kind: NATS (., *, >), AMQP topics (., *, #), Redis patterns (*).
        string[] topics = ["t/x.y/r/z", "t/x/r/y.z", "t/x/r/*", "t/x/r/>", "t/x/r/#", "t/x/r/y%2Ez"];
        var sinks = topics.Select(_ => new RecordingSink()).ToArray();
        for (var i = 0; i < topics.Length; i++)
        {
            await b.SubscribeAsync(Topic(topics[i]), sinks[i], default);
        }

        for (var i = 0; i < topics.Length; i++)
        {
            await a.PublishAsync(Topic(topics[i]), Message("n-a", i + 1), default);
        }

        for (var i = 0; i < topics.Length; i++)
        {
            await sinks[i].WaitForAsync(1, $"topic {topics[i]} delivered");
        }

        // A last publish to the first topic: in order, it follows anything misrouted before it.
        await a.PublishAsync(Topic(topics[0]), Message("n-a", 100), default);
        await sinks[0].WaitForAsync(2, "the last publish arrived");
        Assert.Equal([1L, 100L], sinks[0].Envelopes.Select(e => e.Seq));
        for (var i = 1; i < topics.Length; i++)
        {
            Assert.Equal(i + 1, Assert.Single(sinks[i].Envelopes).Seq);
        }
    }

    [Fact]
    public async Task A_new_node_reports_connected()
    {
        var node = await NodeAsync();

        Assert.True(node.IsConnected);
    }

    /// <summary>A topic name unique to this test.</summary>
    protected string Topic(string name) => _topicPrefix + name;

    /// <summary>A durable envelope whose frame names its sequence, as a real message frame would.</summary>
    protected static Envelope Message(string origin, long seq)
        => new(origin, EnvelopeKind.Durable, seq, Encoding.UTF8.GetBytes($"{{\"op\":\"msg\",\"room\":\"r\",\"seq\":{seq}}}"));

    /// <summary>A node from <see cref="CreateNodeAsync"/> that the suite disposes when the test ends.</summary>
    protected async Task<IBroker> NodeAsync()
    {
        var node = await CreateNodeAsync();
        _nodes.Add(node);
        return node;
    }
}
