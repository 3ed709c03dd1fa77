using Parley.Bench.Probes;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>The CI smoke test of every Parley scenario: short real runs against an in-process node, judged on completeness, never on speed.</summary>
public sealed class ParleyScenarioTests
{
    [Fact]
    public async Task Broadcast_delivers_every_message_to_every_member_once_and_in_order()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);

        var result = await BenchHarness.RunAsync("broadcast", target, connector, BenchHarness.Small());

        BenchHarness.AssertComplete(result);
        Assert.True(result.Acknowledged > 0);
        Assert.Equal(result.Acknowledged * 20, result.Completeness.Received);
        Assert.True(result.Latency.Count > 0);
    }

    [Fact]
    public async Task Fanout_mix_delivers_every_personal_and_group_message_once_and_in_order()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);

        var result = await BenchHarness.RunAsync("fanout-mix", target, connector, BenchHarness.Small(connections: 30, publishers: 3));

        BenchHarness.AssertComplete(result);
        Assert.True(result.Completeness.Received > result.Acknowledged);
    }

    [Fact]
    public async Task Fanout_mix_in_ephemeral_rooms_delivers_every_message_once_in_each_publishers_order_and_commits_nothing()
    {
        var settings = new Dictionary<string, string?>(BenchHarness.NodeSettings)
        {
            ["Parley:Rooms:Policies:0:Prefix"] = Parley.Bench.Scenarios.FanoutMixScenario.EphemeralPrefix,
            ["Parley:Rooms:Policies:0:Ephemeral"] = "true",
        };
        await using var node = await TestNode.StartAsync(settings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);

        var result = await BenchHarness.RunAsync("fanout-mix-ephemeral", target, connector, BenchHarness.Small(connections: 30, publishers: 3));

        BenchHarness.AssertComplete(result);
        Assert.True(result.Completeness.Received > result.Acknowledged);
        Assert.Equal(0, await node.MetricAsync("parley_publishes_total{kind=\"durable\",source=\"ws\"}"));
    }

    [Fact]
    public async Task Direct_messages_reach_the_recipient_and_the_senders_own_copy_in_inbox_order()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);

        var result = await BenchHarness.RunAsync("dm", target, connector, BenchHarness.Small(connections: 10, publishers: 3));

        BenchHarness.AssertComplete(result);
        Assert.True(result.Acknowledged > 0);
        Assert.Equal(result.Acknowledged * 2, result.Completeness.Received);
    }

    [Fact]
    public async Task Reconnect_storm_clients_all_resume_without_a_gap()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);
        var settings = BenchHarness.Small(connections: 40, publishers: 2) with { Duration = TimeSpan.FromSeconds(1.5) };

        var result = await BenchHarness.RunAsync("reconnect-storm", target, connector, settings);

        BenchHarness.AssertComplete(result);
        Assert.Equal(40, result.Reconnects);
        Assert.Equal(1.0, result.Figures["storm.resumed_without_gap_share"]);
        Assert.True(result.Figures.ContainsKey("storm.recovery_seconds"));
    }

    [Fact]
    public async Task Churn_connects_and_verifies_a_token_every_time_without_a_failure()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);

        var result = await BenchHarness.RunAsync("churn", target, connector, BenchHarness.Small(connections: 4) with { MessageBudget = 100, Duration = TimeSpan.FromSeconds(4) });

        BenchHarness.AssertComplete(result);
        Assert.True(result.Connects > 0);
        Assert.True(result.ConnectsPerSecond > 0, $"{result.ConnectsPerSecond} over {result.MeasuredSeconds} s, {result.Connects} connects");
        Assert.Equal(result.Connects, result.ConnectTime.Count);
    }

    [Fact]
    public async Task Idle_holds_every_connection_and_reads_the_servers_memory_from_metrics()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        using var connector = BenchHarness.Connector();
        using var target = BenchHarness.Parley(node, connector);
        using var probe = new MetricsProbe(new Uri(node.HttpUri, "metrics"));

        var result = await BenchHarness.RunAsync("idle", target, connector, BenchHarness.Small(connections: 30) with { Duration = TimeSpan.FromSeconds(0.5) }, probe);

        BenchHarness.AssertComplete(result);
        Assert.Equal(30, result.Connects);
        Assert.NotNull(result.Server.ResidentBytesEnd);
        Assert.True(result.Figures.ContainsKey("server.memory.per_connection_bytes"));
    }
}
