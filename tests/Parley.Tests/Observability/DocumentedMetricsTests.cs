using System.Net.Http.Headers;
using System.Text;
using Parley.Tests.Support;

namespace Parley.Tests.Observability;

/// <summary>docs/operations.md names only metrics a node exposes (the cluster-only ones: see ClusterMetricsTests).</summary>
public sealed class DocumentedMetricsTests
{
    [Fact]
    public async Task Every_metric_operations_md_names_outside_the_cluster_ones_is_exposed_by_an_embedded_node()
    {
        await using var node = await TestNode.StartAsync();
        // One message, so the latency histograms have a series.
        await using var member = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await member.SendAsync("""{"op":"join","rid":1,"room":"ops"}""");
        await member.ExpectAsync("joined");
        using var publish = node.Request(HttpMethod.Post, "/api/v1/rooms/ops/messages", TestNode.Token("acme", "backend", scopes: ["publish"]), new StringContent("""{"id":"m-1","body":1}""", Encoding.UTF8, "application/json"));
        (await node.Http.SendAsync(publish)).EnsureSuccessStatusCode();
        await member.ExpectAsync("msg");
        GC.Collect();

        var exposed = (await Scrape.GetAsync(node.Http)).Families.ToHashSet(StringComparer.Ordinal);

        var documented = DocumentedMetrics.Names();
        Assert.True(documented.Count >= 15, $"only {documented.Count} metric names read from docs/operations.md");
        Assert.Equal([], documented.Where(n => !DocumentedMetrics.IsClusterOnly(n) && !exposed.Contains(n)).ToArray());
    }
}
