using Parley.Server.Cluster.Local;
using Parley.Node.Options;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>
/// What every broker of cluster mode must carry across real nodes: ordered delivery to members on
/// every node, resume on another node, and a restart of the broker under a steady stream with
/// nothing acknowledged lost and nothing duplicated. A broker derives from this suite and says
/// how to start a cluster on it and how to restart it.
/// </summary>
public abstract class BrokerClusterTests(ITestOutputHelper output)
{
    /// <summary>Its name in the figures printed: "rabbitmq", "nats".</summary>
    protected abstract string BrokerName { get; }

    protected abstract Task<LocalCluster> StartClusterAsync();

    /// <summary>Stops the cluster's broker, runs <paramref name="whileDown"/>, and starts it again.</summary>
    protected abstract Task RestartBrokerAsync(LocalCluster cluster, Func<Task> whileDown);

    [Fact]
    public async Task Messages_cross_nodes_in_order_and_a_client_resuming_on_another_node_misses_nothing()
    {
        await using var cluster = await StartClusterAsync();
        var members = new List<RawClient>();
        foreach (var node in cluster.Nodes.Skip(1))
        {
            var member = await RawClient.ConnectAsync(node.WebSocketUri, cluster.Token("acme", $"member-{members.Count}"));
            await member.SendAsync("""{"op":"join","rid":1,"room":"cross"}""");
            await member.ExpectAsync("joined");
            members.Add(member);
        }

        await using var sender = await RawClient.ConnectAsync(cluster.Nodes[0].WebSocketUri, cluster.Token("acme", "sender"));
        for (var i = 1; i <= 30; i++)
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"cross","id":"x{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => sender.All("ack").Count == 30, "every send is acknowledged");
        foreach (var member in members)
        {
            await Eventually.TrueAsync(() => member.All("msg").Count == 30, "every member on every node receives every message", TimeSpan.FromSeconds(20));
            Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), member.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
        }

        // The first member leaves its node; ten more are sent; it comes back on the other node.
        var last = members[0].All("msg")[^1].GetProperty("seq").GetInt64();
        members[0].Socket.Abort();
        await members[0].DisposeAsync();
        for (var i = 31; i <= 40; i++)
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"cross","id":"x{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => sender.All("ack").Count == 40, "every later send is acknowledged");
        await using var resumed = await RawClient.ConnectAsync(cluster.Nodes[^1].WebSocketUri, cluster.Token("acme", "member-0"), $$""","resume":{"cross":{{last}}}""");
        await Eventually.TrueAsync(() => resumed.All("msg").Count == 10, "the missed ten arrive on the other node", TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(31, 10).Select(i => (long)i), resumed.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
        await members[1].DisposeAsync();
    }

    [Fact]
    public async Task Restarting_the_broker_under_traffic_loses_no_acknowledged_message_and_duplicates_none()
    {
        await using var cluster = await StartClusterAsync();
        var stream = new SteadyStream(cluster, output);
        await stream.RunAsync($"{BrokerName} restart", () => RestartBrokerAsync(cluster, async () =>
        {
            await Eventually.TrueAsync(() => stream.HealthSeen.Contains("degraded"), $"health reports degraded while {BrokerName} is down", TimeSpan.FromSeconds(30));
        }), healthWatch: cluster.Nodes[0]);
        Assert.Contains("degraded", stream.HealthSeen);
    }
}

/// <summary>The cluster suite on the run's shared RabbitMQ, each cluster on an exchange of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClusterTests(RabbitMqServer rabbit, ITestOutputHelper output) : BrokerClusterTests(output)
{
    protected override string BrokerName => "rabbitmq";

    protected override async Task<LocalCluster> StartClusterAsync()
    {
        return await TestCluster.StartAsync(broker: BrokerKind.RabbitMq, brokerUrl: rabbit.Server.Url, settings: new Dictionary<string, string>
        {
            ["Parley:Broker:RabbitMq:Exchange"] = RabbitMqServer.UniqueExchange(),
            ["Parley:Broker:RabbitMq:ReconnectDelay"] = "00:00:00.250",
        });
    }

    protected override async Task RestartBrokerAsync(LocalCluster cluster, Func<Task> whileDown)
    {
        await rabbit.Server.StopAsync();
        await whileDown();
        await rabbit.Server.StartAgainAsync();
    }
}

/// <summary>The cluster suite on a nats-server the cluster starts itself, as <c>parley cluster up --broker nats</c> does.</summary>
public sealed class NatsClusterTests(ITestOutputHelper output) : BrokerClusterTests(output)
{
    protected override string BrokerName => "nats";

    protected override Task<LocalCluster> StartClusterAsync()
        => TestCluster.StartAsync(broker: BrokerKind.Nats, settings: new Dictionary<string, string>
        {
            ["Parley:Broker:Nats:ReconnectDelay"] = "00:00:00.250",
        });

    protected override async Task RestartBrokerAsync(LocalCluster cluster, Func<Task> whileDown)
    {
        await cluster.Nats!.StopAsync();
        await whileDown();
        await cluster.Nats.StartAgainAsync();
    }
}
