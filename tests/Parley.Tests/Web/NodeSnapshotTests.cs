using Parley.Node.Cluster;
using Parley.Node.Status;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>What a node publishes about itself with each heartbeat.</summary>
public sealed class NodeSnapshotTests
{
    [Fact]
    public async Task A_node_publishes_its_connections_per_tenant_and_its_totals()
    {
        await using var node = await TestNode.StartAsync();
        await using var alice = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await using var bob = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("globex", "bob"));

        var info = node.Service<NodeSnapshot>().Take();
        Assert.Equal(2, info.Connections);
        Assert.NotNull(info.Stats);
        Assert.Equal("embedded", info.Stats.Mode);
        Assert.Equal(1, info.Stats.ConnectionsPerTenant["acme"]);
        Assert.Equal(1, info.Stats.ConnectionsPerTenant["globex"]);
    }

    [Fact]
    public async Task The_cluster_list_keeps_its_documented_fields_without_the_totals()
    {
        await using var node = await TestNode.StartAsync();

        using var request = node.Request(HttpMethod.Get, "/api/v1/cluster", TestNode.Token("acme", "ops", scopes: ["operator"]));
        var listing = await (await node.Http.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("heartbeat_at", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("stats", listing, StringComparison.OrdinalIgnoreCase);
    }
}
