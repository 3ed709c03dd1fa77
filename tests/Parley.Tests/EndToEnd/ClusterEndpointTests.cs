using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// <c>/api/v1/cluster</c>: anyone learns how many nodes are live; node ids, start times and loads
/// only the operator's credential sees.
/// </summary>
public sealed class ClusterEndpointTests : IAsyncLifetime
{
    private const string AcmeSecret = "acme-own-backend-secret-acme-own-backend-secret";
    private const string ApiKey = "pk_acme_backend_0123456789abcdef0123456789abcdef";
    private DirectoryServer _directory = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _directory = await DirectoryServer.StartAsync();
        _directory.Set(new
        {
            id = "acme",
            keys = new object[] { new { kid = "acme-hs", alg = "HS256", secret = AcmeSecret } },
            apiKeys = new object[] { new { id = "ak-3f1363d7996b", sha256 = DirectoryServer.KeyHash(ApiKey), scopes = new[] { "publish", "read" } } },
        });
        _node = await TestNode.StartAsync(_directory.NodeSettings());
        await Eventually.TrueAsync(() => _node.Service<ITenantDirectory>().Find("acme") is not null, "the node loads the directory");
        await Eventually.TrueAsync(async () => (await GetAsync(null)).Body.GetProperty("count").GetInt32() == 1, "the node announces itself");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _directory.DisposeAsync();
    }

    [Fact]
    public async Task An_anonymous_caller_learns_only_how_many_nodes_are_live()
    {
        var (status, body) = await GetAsync(null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        Assert.False(body.TryGetProperty("nodes", out _), body.GetRawText());
    }

    [Fact]
    public async Task A_token_with_the_operator_scope_sees_every_node_with_its_id_and_connections()
    {
        var health = await _node.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");

        var (status, body) = await GetAsync(TestNode.Token("acme", "ops", rooms: [], scopes: ["operator"]));

        Assert.Equal(HttpStatusCode.OK, status);
        var node = Assert.Single(body.GetProperty("nodes").EnumerateArray());
        Assert.Equal(health.GetProperty("node").GetString(), node.GetProperty("id").GetString());
        Assert.True(node.TryGetProperty("connections", out _));
    }

    [Fact]
    public async Task The_operator_view_is_written_in_snake_case_with_utc_millisecond_times_as_the_rest_of_the_api()
    {
        var (_, body) = await GetAsync(TestNode.Token("acme", "ops", rooms: [], scopes: ["operator"]));

        var node = Assert.Single(body.GetProperty("nodes").EnumerateArray());
        Assert.Equal(["connections", "heartbeat_at", "id", "started_at"], node.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", node.GetProperty("started_at").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", node.GetProperty("heartbeat_at").GetString());
    }

    [Fact]
    public async Task The_operator_token_the_node_holds_for_its_directory_sees_every_node()
    {
        var (status, body) = await GetAsync(DirectoryServer.Token);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(body.GetProperty("nodes").EnumerateArray());
    }

    [Fact]
    public async Task Credentials_without_the_operator_scope_are_forbidden_and_bad_ones_unauthorized()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(TestNode.Token("acme", "alice", scopes: ["publish", "read"]))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(ApiKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("not-a-token")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(DirectoryServer.Token + "x")).Status);
    }

    [Fact]
    public async Task A_tenants_own_signing_key_cannot_grant_the_operator_scope()
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "acme",
            Audience = "parley",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AcmeSecret)) { KeyId = "acme-hs" }, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["tenant"] = "acme", ["sub"] = "ops", ["scope"] = "operator publish" },
        });

        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(token)).Status);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string? credential)
    {
        using var request = _node.Request(HttpMethod.Get, "/api/v1/cluster", credential);
        using var response = await _node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
