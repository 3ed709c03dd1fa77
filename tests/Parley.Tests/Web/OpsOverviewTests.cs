using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Parley.Node.Cluster;
using Parley.Node.Hosting;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary><c>GET /api/v1/ops/overview</c> on an embedded node: the operator's dashboard feed.</summary>
public sealed class OpsOverviewTests
{
    private static async Task<JsonElement> OverviewAsync(TestNode node)
    {
        using var request = node.Request(HttpMethod.Get, "/api/v1/ops/overview", TestNode.Token("acme", "ops", scopes: ["operator"]));
        using var reply = await node.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        return await reply.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_without_the_operator_scope_403()
    {
        await using var node = await TestNode.StartAsync();

        using var anonymous = await node.Http.GetAsync(new Uri("/api/v1/ops/overview", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("unauthorized", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        using var user = node.Request(HttpMethod.Get, "/api/v1/ops/overview", TestNode.Token("acme", "alice", scopes: ["publish", "read"]));
        using var forbidden = await node.Http.SendAsync(user);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("forbidden", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        using var forged = node.Request(HttpMethod.Get, "/api/v1/ops/overview", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await node.Http.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task The_node_lists_itself_with_snake_case_fields_and_healthy_store_and_broker()
    {
        await using var node = await TestNode.StartAsync();

        var overview = await OverviewAsync(node);
        Assert.EndsWith("Z", overview.GetProperty("at").GetString(), StringComparison.Ordinal);
        var self = Assert.Single(overview.GetProperty("nodes").EnumerateArray());
        Assert.Equal(node.Service<NodeIdentity>().Id, self.GetProperty("id").GetString());
        Assert.Equal("embedded", self.GetProperty("mode").GetString());
        Assert.False(self.GetProperty("draining").GetBoolean());
        Assert.EndsWith("Z", self.GetProperty("last_heartbeat").GetString(), StringComparison.Ordinal);
        foreach (var counter in new[] { "connections", "messages_total", "deliveries_total", "slow_consumer_closes_total", "limit_refusals_total" })
        {
            Assert.Equal(0, self.GetProperty(counter).GetInt64());
        }

        Assert.Equal(JsonValueKind.Object, overview.GetProperty("connections_per_tenant").ValueKind);
        Assert.True(overview.GetProperty("store").GetProperty("healthy").GetBoolean());
        Assert.True(overview.GetProperty("broker").GetProperty("healthy").GetBoolean());
    }

    [Fact]
    public async Task Counters_and_connections_per_tenant_move_as_messages_flow_and_limits_refuse()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:MaxMessageBytes"] = "1024" });
        await using var alice = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await using var bob = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "bob"));
        await using var carol = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("globex", "carol"));
        foreach (var member in new[] { alice, bob })
        {
            await member.SendAsync("""{"op":"join","rid":1,"room":"lobby"}""");
            await member.ExpectAsync("joined");
        }

        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync($$"""{"op":"send","rid":{{10 + i}},"room":"lobby","id":"m{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => bob.All("msg").Count == 5, "bob receives the five messages");
        await alice.SendAsync($$"""{"op":"send","rid":99,"room":"lobby","id":"big","body":"{{new string('x', 2000)}}"}""");
        await alice.ExpectAsync("error", e => e.GetProperty("rid").GetInt32() == 99);

        JsonElement self = default;
        JsonElement overview = default;
        await Eventually.TrueAsync(async () =>
        {
            overview = await OverviewAsync(node);
            self = overview.GetProperty("nodes")[0];
            return self.GetProperty("messages_total").GetInt64() == 5 && self.GetProperty("deliveries_total").GetInt64() >= 10 && self.GetProperty("limit_refusals_total").GetInt64() == 1;
        }, "the overview counts five messages committed, ten deliveries and one refusal");
        Assert.Equal(3, self.GetProperty("connections").GetInt32());
        Assert.Equal(2, overview.GetProperty("connections_per_tenant").GetProperty("acme").GetInt32());
        Assert.Equal(1, overview.GetProperty("connections_per_tenant").GetProperty("globex").GetInt32());
        Assert.Equal(0, self.GetProperty("slow_consumer_closes_total").GetInt64());
    }
}
