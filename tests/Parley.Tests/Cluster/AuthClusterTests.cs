using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>
/// The three-node cluster with the auth service: tokens from its logins work on every node, and
/// tenant quotas and the tenant switch edited through it apply on every node within seconds.
/// </summary>
public sealed class AuthClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string Password = "a long enough password";

    private LocalCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Users_logged_in_through_the_auth_service_talk_across_nodes()
    {
        var tenant = await CreateTenantAsync();
        var alice = await LoginAsync(tenant, "alice");
        var bob = await LoginAsync(tenant, "bob");

        await using var bobClient = await RawClient.ConnectAsync(Cluster.Nodes[2].WebSocketUri, bob);
        await bobClient.SendAsync("""{"op":"join","rid":1,"room":"team"}""");
        await bobClient.ExpectAsync("joined");
        await using var aliceClient = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, alice);
        Assert.Equal(tenant, aliceClient.All("connected")[0].GetProperty("tenant").GetString());
        await aliceClient.SendAsync("""{"op":"send","rid":2,"room":"team","id":"hello","body":"from the auth service"}""");
        var msg = await bobClient.ExpectAsync("msg", null, TimeSpan.FromSeconds(20));
        Assert.Equal("alice", msg.GetProperty("from").GetString());
    }

    [Fact]
    public async Task A_quota_changed_in_the_auth_service_applies_on_every_node_within_seconds()
    {
        var tenant = await CreateTenantAsync();
        var token = await LoginAsync(tenant, "carol");
        using var patch = Operator(HttpMethod.Patch, $"/api/v1/tenants/{tenant}", new { quotas = new { roomsPerConnection = 1 } });
        (await Auth().SendAsync(patch)).EnsureSuccessStatusCode();

        foreach (var node in Cluster.Nodes)
        {
            await Eventually.TrueAsync(async () =>
            {
                await using var client = await RawClient.ConnectAsync(node.WebSocketUri, token);
                await client.SendAsync("""{"op":"join","rid":1,"room":"one"}""");
                await client.ExpectAsync("joined");
                await client.SendAsync("""{"op":"join","rid":2,"room":"two"}""");
                await Eventually.TrueAsync(() => client.All("joined").Count == 2 || client.All("error").Count == 1, "the second join is answered");
                return client.All("error").Count == 1 && client.All("error")[0].GetProperty("code").GetString() == "room_limit";
            }, $"{node.NodeId} applies the new rooms quota", TimeSpan.FromSeconds(15));
        }
    }

    [Fact]
    public async Task Disabling_a_tenant_in_the_auth_service_closes_its_connections_on_every_node()
    {
        var tenant = await CreateTenantAsync();
        var token = await LoginAsync(tenant, "dave");
        var clients = new List<RawClient>();
        foreach (var node in Cluster.Nodes)
        {
            clients.Add(await RawClient.ConnectAsync(node.WebSocketUri, token));
        }

        using var patch = Operator(HttpMethod.Patch, $"/api/v1/tenants/{tenant}", new { disabled = true });
        (await Auth().SendAsync(patch)).EnsureSuccessStatusCode();
        foreach (var client in clients)
        {
            Assert.Equal(4502, await client.ExpectClosedAsync(TimeSpan.FromSeconds(15)));
            await client.DisposeAsync();
        }

        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login") { Content = JsonContent.Create(new { tenant, user = "dave", password = Password }) };
        Assert.False((await Auth().SendAsync(login)).IsSuccessStatusCode);
    }

    private HttpClient Auth() => new() { BaseAddress = Cluster.Auth.HttpUri };

    private HttpRequestMessage Operator(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.Auth.OperatorToken);
        return request;
    }

    /// <summary>A fresh tenant with an administrator who adds the members the test logs in as.</summary>
    private async Task<string> CreateTenantAsync()
    {
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        using var create = Operator(HttpMethod.Post, "/api/v1/tenants", new { id = tenant, admin = new { user = "admin", password = Password } });
        (await Auth().SendAsync(create)).EnsureSuccessStatusCode();
        var admin = await LoginTokenAsync(tenant, "admin");
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            using var add = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant}/users") { Content = JsonContent.Create(new { user, password = Password, rooms = new[] { "*" } }) };
            add.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            (await Auth().SendAsync(add)).EnsureSuccessStatusCode();
        }

        return tenant;
    }

    private Task<string> LoginAsync(string tenant, string user) => LoginTokenAsync(tenant, user);

    private async Task<string> LoginTokenAsync(string tenant, string user)
    {
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login") { Content = JsonContent.Create(new { tenant, user, password = Password }) };
        var response = await Auth().SendAsync(login);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }
}
