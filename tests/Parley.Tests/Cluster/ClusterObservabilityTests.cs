using System.Net;
using System.Text.RegularExpressions;
using Parley.Server.Cluster.Local;
using Parley.Tests.Observability;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>A two-node cluster behind nginx, shared by the tests of <see cref="ClusterObservabilityTests"/>.</summary>
public sealed class ObservedClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(nodes: 2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>What an operator scrapes from a cluster node, and what the public cannot.</summary>
public sealed partial class ClusterObservabilityTests(ObservedClusterFixture fixture) : IClassFixture<ObservedClusterFixture>
{
    private LocalCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_cluster_nodes_metrics_carry_no_connection_details_in_their_labels()
    {
        using var http = new HttpClient();
        foreach (var node in Cluster.Nodes)
        {
            var scrape = await Scrape.GetAsync(http, node.HttpUri);

            Assert.Contains("db_client_connection_max", scrape.Families);
            var labels = LabelValue().Matches(scrape.Text).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.DoesNotContain(labels, v => v.Contains("Password", StringComparison.OrdinalIgnoreCase)
                || v.Contains("Host=", StringComparison.OrdinalIgnoreCase)
                || v.Contains("Username=", StringComparison.OrdinalIgnoreCase)
                || v.Contains(';', StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    [InlineData("//metrics")]
    [InlineData("/%6detrics")]
    public async Task The_metrics_are_refused_through_nginx_while_each_node_serves_them_directly(string path)
    {
        using var http = new HttpClient();

        using var proxied = await http.GetAsync(new Uri($"http://127.0.0.1:{Cluster.Proxy.Port}{path}"));
        using var direct = await http.GetAsync(new Uri(Cluster.Nodes[0].HttpUri, "/metrics"));

        Assert.Equal(HttpStatusCode.Forbidden, proxied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Contains("parley_connections_active", await direct.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_node_lists_its_redis_error_counters_at_zero_before_any_error()
    {
        using var http = new HttpClient();

        var scrape = await Scrape.GetAsync(http, Cluster.Nodes[1].HttpUri);

        foreach (var kind in (string[])["connection", "timeout", "server", "protocol"])
        {
            Assert.Equal(0, scrape[$"parley_redis_errors_total{{kind=\"{kind}\"}}"]);
        }

        Assert.Equal(0, scrape["parley_redis_reconnects_total"]);
        Assert.Equal(0, scrape["parley_broker_publish_failures_total"]);
    }

    [Fact]
    public async Task Every_metric_operations_md_names_is_exposed_by_a_cluster_node()
    {
        using var http = new HttpClient();
        await using var member = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("acme", "ops"));
        await member.SendAsync("""{"op":"send","rid":1,"room":"ops","id":"m-1","body":1}""");
        await member.ExpectAsync("ack");

        var exposed = (await Scrape.GetAsync(http, Cluster.Nodes[0].HttpUri)).Families.ToHashSet(StringComparer.Ordinal);

        var missing = DocumentedMetrics.Names().Where(n => DocumentedMetrics.IsClusterOnly(n) && !exposed.Contains(n)).ToArray();
        Assert.True(missing.Length == 0, $"docs/operations.md names {string.Join(", ", missing)}; a node exposes {string.Join(", ", exposed.Where(DocumentedMetrics.IsClusterOnly).Order(StringComparer.Ordinal))}");
        Assert.Contains(DocumentedMetrics.Names(), DocumentedMetrics.IsClusterOnly);
    }

    [Fact]
    public async Task Each_of_many_sends_on_a_cluster_node_gets_one_ack_and_one_msg_with_the_same_id_and_sequence()
    {
        await using var sender = await RawClient.ConnectAsync(Cluster.Nodes[1].WebSocketUri, Cluster.Token("acme", "alice"));

        await SendOrder.AssertEachSendIsAckedAndDeliveredOnceAsync(sender, "orders", 300);
    }

    [GeneratedRegex("=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelValue();
}
