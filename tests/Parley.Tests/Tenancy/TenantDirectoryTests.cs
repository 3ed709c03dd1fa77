using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Tenancy;

/// <summary>Node side of the tenant directory: live quotas and switches, tenant-owned keys, API keys.</summary>
public sealed class TenantDirectoryTests : IAsyncLifetime
{
    private const string AcmeSecret = "acme-own-backend-secret-acme-own-backend-secret";
    private const string ApiKey = "pk_acme_publish_0123456789abcdef0123456789abcdef";
    private const string ReadKey = "pk_acme_read_0123456789abcdef0123456789abcdef01";
    private const string GlobexKey = "pk_globex_all_0123456789abcdef0123456789abcdef";
    private readonly ECDsa _globexKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private DirectoryServer _directory = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _directory = await DirectoryServer.StartAsync();
        _directory.Set(
            new
            {
                id = "acme",
                disabled = false,
                quotas = new { maxMessageBytes = 100 },
                keys = new object[] { new { kid = "acme-hs", alg = "HS256", secret = AcmeSecret } },
                apiKeys = new object[]
                {
                    new { id = "ak-publish", sha256 = DirectoryServer.KeyHash(ApiKey), scopes = new[] { "publish" }, revoked = false },
                    new { id = "ak-read", sha256 = DirectoryServer.KeyHash(ReadKey), scopes = new[] { "read" }, revoked = false },
                },
            },
            new
            {
                id = "globex",
                keys = new object[] { new { kid = "globex-es", alg = "ES256", pem = _globexKey.ExportSubjectPublicKeyInfoPem() } },
                apiKeys = new object[] { new { id = "ak-globex", sha256 = DirectoryServer.KeyHash(GlobexKey), scopes = new[] { "publish", "read" } } },
            });
        _node = await TestNode.StartAsync(_directory.NodeSettings());
        await Eventually.TrueAsync(() => _node.Service<ITenantDirectory>().Find("acme") is not null, "the node loads the directory");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _directory.DisposeAsync();
        _globexKey.Dispose();
    }

    [Fact]
    public async Task An_unchanged_listing_is_answered_not_modified_and_a_change_is_picked_up_within_seconds()
    {
        var directory = _node.Service<ITenantDirectory>();
        var version = directory.Version;
        await Eventually.TrueAsync(() => _directory.NotModified > 0, "an unchanged listing costs a 304");
        Assert.Equal(version, directory.Version);

        _directory.Set(new { id = "initech", quotas = new { roomsPerConnection = 3 } });
        await Eventually.TrueAsync(() => directory.Find("initech") is { Quotas.RoomsPerConnection: 3 }, "the change reaches the node");
        Assert.Null(directory.Find("acme"));
    }

    [Fact]
    public async Task Quotas_edited_in_the_directory_apply_to_the_next_request()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync($$"""{"op":"send","rid":1,"room":"q","id":"q-1","body":"{{new string('x', 150)}}"}""");
        Assert.Equal("body_too_large", (await alice.ExpectAsync("error")).GetProperty("code").GetString());

        _directory.Set(new { id = "acme", quotas = new { maxMessageBytes = 1000, roomsPerConnection = 1 } });
        await Eventually.TrueAsync(() => _node.Service<ITenantDirectory>().Find("acme")?.Quotas.RoomsPerConnection == 1, "the new quotas reach the node");
        await alice.SendAsync($$"""{"op":"send","rid":2,"room":"q","id":"q-2","body":"{{new string('x', 150)}}"}""");
        await alice.ExpectAsync("ack");
        await alice.SendAsync("""{"op":"join","rid":3,"room":"one"}""");
        await alice.ExpectAsync("joined");
        await alice.SendAsync("""{"op":"join","rid":4,"room":"two"}""");
        Assert.Equal("room_limit", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Disabling_a_tenant_in_the_directory_closes_its_connections_with_4502_and_refuses_new_ones()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await using var gina = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("globex", "gina"));
        _directory.Set(new { id = "acme", disabled = true }, new { id = "globex" });
        Assert.Equal(4502, await alice.ExpectClosedAsync());

        await using var again = await RawClient.OpenAsync(_node.WebSocketUri);
        await again.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("acme", "alice")}}"}""");
        Assert.Equal(4502, await again.ExpectClosedAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/rooms/x/messages", TestNode.Token("acme", "backend", scopes: ["publish"]), """{"id":"d-1","body":1}""")).StatusCode);

        await gina.SendAsync("""{"op":"ping","rid":1}""");
        await gina.ExpectAsync("pong");
    }

    [Fact]
    public async Task A_token_signed_by_a_tenants_own_key_is_accepted_for_that_tenant_only()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, Hs256(AcmeSecret, "acme", "acme", "alice"));
        Assert.Equal("acme", alice.All("connected")[0].GetProperty("tenant").GetString());

        foreach (var forged in new[] { Hs256(AcmeSecret, "globex", "globex", "mallory"), Hs256(AcmeSecret, "acme", "globex", "mallory") })
        {
            await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
            await client.SendAsync($$"""{"op":"connect","token":"{{forged}}"}""");
            Assert.Equal(4500, await client.ExpectClosedAsync());
        }

        await using var globex = await RawClient.ConnectAsync(_node.WebSocketUri, Es256(_globexKey, "globex", "globex", "gina"));
        Assert.Equal("globex", globex.All("connected")[0].GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task Api_keys_publish_and_read_with_their_scopes_within_their_own_tenant()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"ops"}""");
        await alice.ExpectAsync("joined");

        var published = await SendAsync(HttpMethod.Post, "/api/v1/rooms/ops/messages", ApiKey, """{"id":"k-1","body":"by key"}""");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var msg = await alice.ExpectAsync("msg");
        Assert.Equal("ak-publish", msg.GetProperty("from").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/rooms/ops/messages", ReadKey, """{"id":"k-2","body":1}""")).StatusCode);
        var history = await (await SendAsync(HttpMethod.Get, "/api/v1/rooms/ops/messages", ReadKey)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Single(history.GetProperty("messages").EnumerateArray());

        // Globex's key reads globex's room of the same name: empty.
        var other = await (await SendAsync(HttpMethod.Get, "/api/v1/rooms/ops/messages", GlobexKey)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(other.GetProperty("messages").EnumerateArray());

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v1/rooms/ops/messages", "pk_unknown_key")).StatusCode);
        await Eventually.TrueAsync(() => _directory.UsageReports.Any(r => r.GetProperty("usage").TryGetProperty("ak-publish", out _)), "the key's use is reported to the auth service");
    }

    [Fact]
    public async Task A_revoked_api_key_is_refused_once_the_directory_says_so()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v1/rooms/ops/messages", GlobexKey)).StatusCode);
        _directory.Set(new { id = "globex", apiKeys = new object[] { new { id = "ak-globex", sha256 = DirectoryServer.KeyHash(GlobexKey), scopes = new[] { "read" }, revoked = true } } });
        await Eventually.TrueAsync(async () => (await SendAsync(HttpMethod.Get, "/api/v1/rooms/ops/messages", GlobexKey)).StatusCode == HttpStatusCode.Unauthorized, "the revocation reaches the node");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, string? json = null)
    {
        using var request = _node.Request(method, path, key, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));
        return await _node.Http.SendAsync(request);
    }


    private static string Hs256(string secret, string issuer, string tenant, string user)
        => Sign(new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = "acme-hs" }, SecurityAlgorithms.HmacSha256), issuer, tenant, user);

    private static string Es256(ECDsa key, string issuer, string tenant, string user)
        => Sign(new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = "globex-es" }, SecurityAlgorithms.EcdsaSha256), issuer, tenant, user);

    private static string Sign(SigningCredentials credentials, string issuer, string tenant, string user)
        => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "parley",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = credentials,
            Claims = new Dictionary<string, object> { ["tenant"] = tenant, ["sub"] = user, ["rooms"] = new[] { "*" } },
        });
}
