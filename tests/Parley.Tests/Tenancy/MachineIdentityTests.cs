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

/// <summary>
/// API keys speak in their own namespace: no token can take a key's id as its user, and every
/// message a key published says so, live and in history.
/// </summary>
public sealed class MachineIdentityTests : IAsyncLifetime
{
    private const string AcmeSecret = "acme-own-backend-secret-acme-own-backend-secret";
    private const string BackendKey = "pk_acme_backend_0123456789abcdef0123456789abcdef";
    private const string MisnamedKey = "pk_acme_misnamed_0123456789abcdef0123456789abcd";
    private const string BackendId = "ak-3f1363d7996b";
    private DirectoryServer _directory = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _directory = await DirectoryServer.StartAsync();
        _directory.Set(new
        {
            id = "acme",
            keys = new object[] { new { kid = "acme-hs", alg = "HS256", secret = AcmeSecret } },
            apiKeys = new object[]
            {
                new { id = BackendId, sha256 = DirectoryServer.KeyHash(BackendKey), scopes = new[] { "publish", "read" }, revoked = false },
                // A listing can only name keys in their namespace; this one would speak as user "alice".
                new { id = "alice", sha256 = DirectoryServer.KeyHash(MisnamedKey), scopes = new[] { "publish" }, revoked = false },
            },
        });
        _node = await TestNode.StartAsync(_directory.NodeSettings());
        await Eventually.TrueAsync(() => _node.Service<ITenantDirectory>().Find("acme") is not null, "the node loads the directory");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _directory.DisposeAsync();
    }

    public static TheoryData<string> KeyShapedSubjects() => [BackendId, "AK-3F1363D7996B", "ak-anything"];

    [Theory]
    [MemberData(nameof(KeyShapedSubjects))]
    public async Task A_token_whose_subject_is_in_the_api_key_namespace_is_refused_whoever_signed_it(string subject)
    {
        var tokens = new[]
        {
            Sign(TestNode.Secret, kid: null, issuer: "parley-dev", subject, "publish"),
            Sign(AcmeSecret, kid: "acme-hs", issuer: "acme", subject, "publish"),
        };
        foreach (var token in tokens)
        {
            await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
            await client.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");
            Assert.Equal(4500, await client.ExpectClosedAsync());

            using var published = await SendAsync(HttpMethod.Post, "/api/v1/rooms/billing/messages", token, """{"id":"pay-1","body":"pay to IBAN XX00"}""");
            Assert.Equal(HttpStatusCode.Unauthorized, published.StatusCode);
        }
    }

    [Fact]
    public async Task A_message_published_with_an_api_key_is_marked_so_live_and_in_history_and_a_users_message_is_not()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"billing"}""");
        await alice.ExpectAsync("joined");

        using var published = await SendAsync(HttpMethod.Post, "/api/v1/rooms/billing/messages", BackendKey, """{"id":"pay-1","body":"invoice 42 paid"}""");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await alice.SendAsync("""{"op":"send","rid":2,"room":"billing","id":"pay-1","body":"pay to IBAN XX00"}""");
        await alice.ExpectAsync("ack");

        var fromKey = await alice.ExpectAsync("msg", m => m.GetProperty("seq").GetInt64() == 1);
        var fromUser = await alice.ExpectAsync("msg", m => m.GetProperty("seq").GetInt64() == 2);
        Assert.Equal((BackendId, "api_key"), (fromKey.GetProperty("from").GetString(), fromKey.GetProperty("from_kind").GetString()));
        Assert.Equal("alice", fromUser.GetProperty("from").GetString());
        Assert.False(fromUser.TryGetProperty("from_kind", out _));

        await alice.SendAsync("""{"op":"history","rid":3,"room":"billing"}""");
        var page = (await alice.ExpectAsync("history")).GetProperty("messages");
        Assert.Equal("api_key", page[0].GetProperty("from_kind").GetString());
        Assert.False(page[1].TryGetProperty("from_kind", out _));

        using var read = await SendAsync(HttpMethod.Get, "/api/v1/rooms/billing/messages", BackendKey);
        var messages = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages");
        Assert.Equal("api_key", messages[0].GetProperty("from_kind").GetString());
        Assert.False(messages[1].TryGetProperty("from_kind", out _));
    }

    [Fact]
    public async Task An_api_key_whose_listed_id_is_outside_the_api_key_namespace_is_refused()
    {
        using var published = await SendAsync(HttpMethod.Post, "/api/v1/rooms/billing/messages", MisnamedKey, """{"id":"m-1","body":1}""");

        Assert.Equal(HttpStatusCode.Unauthorized, published.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string credential, string? json = null)
    {
        using var request = _node.Request(method, path, credential, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));
        return await _node.Http.SendAsync(request);
    }


    private static string Sign(string secret, string? kid, string issuer, string user, string scope)
        => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "parley",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = kid }, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["tenant"] = "acme", ["sub"] = user, ["rooms"] = new[] { "*" }, ["scope"] = scope },
        });
}
