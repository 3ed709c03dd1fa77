using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>
/// Credentials registered through the auth service, used against a real node that polls the
/// service's listing every 200 ms: a tenant's own signing key, and an API key from creation to
/// revocation.
/// </summary>
public sealed class TenantCredentialsEndToEndTests : IAsyncLifetime
{
    private const string AcmeSecret = "acme-own-backend-secret-for-end-to-end-tests";

    private AuthServiceNode _auth = null!;
    private TestNode _node = null!;
    private string _admin = null!;

    public async Task InitializeAsync()
    {
        _auth = await AuthServiceNode.StartAsync();
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateTenantAsync("globex");
        _admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        _node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Directory:Url"] = _auth.HttpUri.ToString(),
            ["Parley:Directory:Token"] = AuthServiceNode.OperatorToken,
            ["Parley:Directory:RefreshInterval"] = "00:00:00.200",
        });
        await Eventually.TrueAsync(() => Directory.Find("globex") is not null, "the node loads the auth service's listing");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _auth.DisposeAsync();
    }

    private ITenantDirectory Directory => _node.Service<ITenantDirectory>();

    [Fact]
    public async Task A_key_registered_by_the_tenant_admin_signs_tokens_for_that_tenant_and_no_other()
    {
        using (var add = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/keys", _admin, new { kid = "acme-hs", alg = "HS256", secret = AcmeSecret }))
        {
            await AuthServiceNode.ExpectAsync(add, HttpStatusCode.Created);
        }

        await Eventually.TrueAsync(() => Directory.Find("acme")?.Keys.Count == 1, "the key reaches the node");

        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, Hs256(AcmeSecret, issuer: "acme", tenant: "acme", user: "alice"));
        Assert.Equal(("acme", "alice"), (alice.All("connected")[0].GetProperty("tenant").GetString(), alice.All("connected")[0].GetProperty("user").GetString()));

        foreach (var forged in new[] { Hs256(AcmeSecret, "globex", "globex", "mallory"), Hs256(AcmeSecret, "acme", "globex", "mallory") })
        {
            await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
            await client.SendAsync($$"""{"op":"connect","token":"{{forged}}"}""");
            Assert.Equal(4500, await client.ExpectClosedAsync());
        }

        using (var delete = await _auth.SendAsync(HttpMethod.Delete, "/api/v1/tenants/acme/keys/acme-hs", _admin))
        {
            await AuthServiceNode.ExpectAsync(delete, HttpStatusCode.NoContent);
        }

        await Eventually.TrueAsync(() => Directory.Find("acme")?.Keys.Count == 0, "the deletion reaches the node");
        await using var late = await RawClient.OpenAsync(_node.WebSocketUri);
        await late.SendAsync($$"""{"op":"connect","token":"{{Hs256(AcmeSecret, "acme", "acme", "alice")}}"}""");
        Assert.Equal(4500, await late.ExpectClosedAsync());
    }

    [Fact]
    public async Task An_api_key_created_through_the_service_publishes_reports_its_use_and_is_refused_soon_after_revocation()
    {
        using var create = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/api-keys", _admin, new { name = "billing backend", scopes = new[] { "publish" } });
        var created = await AuthServiceNode.ExpectAsync(create, HttpStatusCode.Created);
        var (id, key) = (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
        await Eventually.TrueAsync(() => Directory.Find("acme")?.ApiKeys.Count == 1, "the API key reaches the node");
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"invoices"}""");
        await alice.ExpectAsync("joined");

        using var published = await PublishAsync(key, "e2e-1");

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var msg = await alice.ExpectAsync("msg");
        Assert.Equal((id, "e2e-1"), (msg.GetProperty("from").GetString(), msg.GetProperty("id").GetString()));
        await Eventually.TrueAsync(async () => (await ApiKeyAsync(id)).TryGetProperty("lastUsed", out _), "the key's last use shows in the auth service");

        using (var revoke = await _auth.SendAsync(HttpMethod.Delete, $"/api/v1/tenants/acme/api-keys/{id}", _admin))
        {
            await AuthServiceNode.ExpectAsync(revoke, HttpStatusCode.OK);
        }

        await Eventually.TrueAsync(async () =>
        {
            using var refused = await PublishAsync(key, "e2e-2");
            return refused.StatusCode == HttpStatusCode.Unauthorized;
        }, "the node refuses the revoked key", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Quotas_set_through_the_service_including_retention_reach_the_node()
    {
        using var patch = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme", AuthServiceNode.OperatorToken,
            new { quotas = new { maxConnections = 7, retention = new { maxMessagesPerStream = 500, maxAgeSeconds = 604800 } } });
        await AuthServiceNode.ExpectAsync(patch, HttpStatusCode.OK);

        await Eventually.TrueAsync(() => Directory.Find("acme")?.Quotas.MaxConnections == 7, "the quotas reach the node");

        var quotas = Directory.Find("acme")!.Quotas;
        Assert.Equal((500, TimeSpan.FromDays(7)), (quotas.RetentionMaxMessages, quotas.RetentionMaxAge));
    }

    private async Task<HttpResponseMessage> PublishAsync(string key, string messageId)
    {
        using var request = _node.Request(HttpMethod.Post, "/api/v1/rooms/invoices/messages", key,
            new StringContent($$$"""{"id":"{{{messageId}}}","body":{"total":42}}""", Encoding.UTF8, "application/json"));
        return await _node.Http.SendAsync(request);
    }

    private async Task<JsonElement> ApiKeyAsync(string id)
    {
        using var response = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/api-keys", _admin);
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
        return body.GetProperty("apiKeys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
    }

    private static string Hs256(string secret, string issuer, string tenant, string user)
        => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "parley",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = "acme-hs" }, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["tenant"] = tenant, ["sub"] = user, ["rooms"] = new[] { "*" } },
        });
}
