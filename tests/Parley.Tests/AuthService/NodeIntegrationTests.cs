using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>A real Parley node that trusts only the auth service's JWKS accepts the service's tokens over the WebSocket protocol.</summary>
public sealed class NodeIntegrationTests
{
    [Fact]
    public async Task A_node_configured_with_the_auth_services_jwks_accepts_a_login_token_and_applies_its_rooms()
    {
        await using var auth = await AuthServiceNode.StartAsync();
        await auth.CreateTenantAsync("acme");
        await auth.CreateUserAsync((await auth.LoginAsync("acme", "root")).AccessToken, "acme", "alice", ["general"]);
        var token = (await auth.LoginAsync("acme", "alice")).AccessToken;

        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Auth:HmacSecret"] = "",
            ["Parley:Auth:DisableDevelopmentKey"] = "true",
            ["Parley:Auth:JwksUrl"] = auth.JwksUrl,
            ["Parley:Auth:Issuer"] = "parley-auth",
            ["Parley:Auth:Audience"] = "parley",
        });
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, token);

        var connected = client.Frames[0];
        Assert.Equal(("acme", "alice"), (connected.GetProperty("tenant").GetString(), connected.GetProperty("user").GetString()));
        await client.SendAsync("""{"op":"join","rid":1,"room":"general"}""");
        await client.ExpectAsync("joined", f => f.GetProperty("room").GetString() == "general");
        await client.SendAsync("""{"op":"join","rid":2,"room":"secret"}""");
        var refused = await client.ExpectAsync("error", f => f.GetProperty("rid").GetInt32() == 2);
        Assert.Equal("forbidden", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_node_trusting_the_auth_service_refuses_a_development_token()
    {
        await using var auth = await AuthServiceNode.StartAsync();
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Auth:HmacSecret"] = "",
            ["Parley:Auth:DisableDevelopmentKey"] = "true",
            ["Parley:Auth:JwksUrl"] = auth.JwksUrl,
            ["Parley:Auth:Issuer"] = "parley-auth",
        });
        await using var client = await RawClient.OpenAsync(node.WebSocketUri);

        await client.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}""");

        Assert.Equal(4500, await client.ExpectClosedAsync());
    }
}
