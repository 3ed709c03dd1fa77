using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>The operator's overview and the web app's endpoints in a real two-node cluster behind nginx.</summary>
public sealed class OpsOverviewClusterTests(WebClusterFixture fixture) : IClassFixture<WebClusterFixture>
{
    private LocalCluster Cluster => fixture.Cluster;

    private async Task<JsonElement> OverviewAsync(Uri node)
    {
        using var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Cluster.Token("acme", "ops", ["operator"]));
        return await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/ops/overview", UriKind.Relative));
    }

    private static JsonElement NodeRow(JsonElement overview, string id)
        => overview.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == id);

    [Fact]
    public async Task Every_node_lists_both_nodes_and_counters_from_the_other_node_move_as_messages_flow()
    {
        var (first, second) = (Cluster.Nodes[0], Cluster.Nodes[1]);
        foreach (var node in new[] { first.HttpUri, second.HttpUri, Cluster.Proxy.HttpUri })
        {
            var ids = (await OverviewAsync(node)).GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
            Assert.Equal([first.NodeId, second.NodeId], ids);
        }

        var before = NodeRow(await OverviewAsync(second.HttpUri), first.NodeId);
        await using var listener = await RawClient.ConnectAsync(second.WebSocketUri, Cluster.Token("initech", "listener"));
        await listener.SendAsync("""{"op":"join","rid":1,"room":"overview"}""");
        await listener.ExpectAsync("joined");
        await using var sender = await RawClient.ConnectAsync(first.WebSocketUri, Cluster.Token("initech", "sender"));
        for (var i = 1; i <= 10; i++)
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"overview","id":"o{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => listener.All("msg").Count == 10, "the listener on the second node receives every message", TimeSpan.FromSeconds(20));

        // The first node's figures as the second node reports them, from the first node's heartbeats.
        await Eventually.TrueAsync(async () =>
        {
            var overview = await OverviewAsync(second.HttpUri);
            var row = NodeRow(overview, first.NodeId);
            return row.GetProperty("messages_total").GetInt64() >= before.GetProperty("messages_total").GetInt64() + 10
                && overview.GetProperty("connections_per_tenant").TryGetProperty("initech", out var initech) && initech.GetInt32() == 2
                && NodeRow(overview, second.NodeId).GetProperty("deliveries_total").GetInt64() >= 10;
        }, "the second node reports the first node's ten commits, its own deliveries and both initech connections", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_killed_node_leaves_the_overview_within_the_registry_ttl()
    {
        var (survivor, victim) = (Cluster.Nodes[0], Cluster.Nodes[1]);
        try
        {
            Assert.Equal(2, (await OverviewAsync(survivor.HttpUri)).GetProperty("nodes").GetArrayLength());
            victim.Process.Kill();
            await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));

            // Presence TTL of the test cluster: 4 s; the bound leaves room for a loaded machine.
            await Eventually.TrueAsync(async () =>
            {
                var ids = (await OverviewAsync(survivor.HttpUri)).GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
                return ids.SequenceEqual([survivor.NodeId]);
            }, "the killed node leaves the overview", TimeSpan.FromSeconds(20));
        }
        finally
        {
            await fixture.RestoreAsync();
        }
    }

    [Fact]
    public async Task Through_nginx_the_app_learns_cluster_mode_and_auth_at_slash_auth_which_reaches_the_auth_service()
    {
        using var http = new HttpClient { BaseAddress = Cluster.Proxy.HttpUri, Timeout = TimeSpan.FromSeconds(30) };

        var config = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/web/config", UriKind.Relative));
        Assert.Equal("cluster", config.GetProperty("mode").GetString());
        Assert.Equal("/auth", config.GetProperty("auth_url").GetString());
        Assert.False(config.GetProperty("dev_sign_in").GetBoolean());

        using var ready = await http.GetAsync(new Uri("/auth/healthz/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        // A login with no such tenant is refused by the auth service itself, in its own error body.
        using var login = await http.PostAsync(new Uri("/auth/api/v1/auth/login", UriKind.Relative), new StringContent("""{"tenant":"nobody","user":"x","password":"y"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);

        using var signIn = await http.PostAsync(new Uri("/api/v1/dev/sign-in", UriKind.Relative), new StringContent("""{"tenant":"acme","user":"alice"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
    }
}
