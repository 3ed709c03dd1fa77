using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Security;

/// <summary>
/// The adversarial isolation suite: every attempt to forge a credential or to reach another
/// tenant must be refused with its documented code, must not reveal whether the target exists,
/// and must leave the node working. The suite counts its attempts and refusals and prints them.
/// </summary>
public sealed class IsolationSuiteTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AcmeSecret = "acme-own-backend-secret-acme-own-backend-secret";
    private const string GlobexKey = "pk_globex_0123456789abcdef0123456789abcdef0123";
    private const string RevokedKey = "pk_acme_revoked_0123456789abcdef0123456789abcd";
    private readonly ECDsa _nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private DirectoryServer _directory = null!;
    private TestNode _node = null!;
    private int _attempts;
    private int _refused;

    public async Task InitializeAsync()
    {
        _directory = await DirectoryServer.StartAsync();
        _directory.Set(
            new
            {
                id = "acme",
                keys = new object[] { new { kid = "acme-hs", alg = "HS256", secret = AcmeSecret } },
                apiKeys = new object[] { new { id = "ak-revoked", sha256 = DirectoryServer.KeyHash(RevokedKey), scopes = new[] { "publish", "read" }, revoked = true } },
            },
            new { id = "globex", apiKeys = new object[] { new { id = "ak-globex", sha256 = DirectoryServer.KeyHash(GlobexKey), scopes = new[] { "publish", "read" } } } },
            new { id = "banned", disabled = true });
        var settings = _directory.NodeSettings();
        settings["Parley:Auth:PublicKeys:0:KeyId"] = "node-es";
        settings["Parley:Auth:PublicKeys:0:Algorithm"] = "ES256";
        settings["Parley:Auth:PublicKeys:0:Pem"] = _nodeKey.ExportSubjectPublicKeyInfoPem();
        settings["Parley:Limits:Tenants:banned:Disabled"] = "true";
        _node = await TestNode.StartAsync(settings);
        await Eventually.TrueAsync(() => _node.Service<Parley.Node.Tenancy.ITenantDirectory>().Find("acme") is not null, "the directory is loaded");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _directory.DisposeAsync();
        _nodeKey.Dispose();
    }

    [Fact]
    public async Task Every_attempt_to_forge_a_credential_or_cross_a_tenant_is_refused_and_the_node_keeps_working()
    {
        var valid = TestNode.Token("acme", "alice");
        var parts = valid.Split('.');
        static string SignedWithHeader(string header, string payloadSegment)
        {
            var input = Base64UrlEncoder.Encode(header) + "." + payloadSegment;
            return input + "." + Base64UrlEncoder.Encode(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestNode.Secret), Encoding.ASCII.GetBytes(input)));
        }

        string Segment(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var payload = new { tenant = "acme", sub = "alice", iss = "parley-dev", aud = "parley", exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), rooms = new[] { "*" } };

        // Credentials at connect: each must close with 4500 (invalid) or 4003 (expired).
        var forged = new Dictionary<string, (string Token, int Code)>
        {
            ["tampered payload"] = ($"{parts[0]}.{Segment(payload with { })}{"x"}.{parts[2]}", 4500),
            ["payload of another tenant under a valid signature"] = ($"{parts[0]}.{Segment(new { tenant = "globex", sub = "alice", iss = "parley-dev", aud = "parley", exp = payload.exp, rooms = new[] { "*" } })}.{parts[2]}", 4500),
            ["tampered signature"] = ($"{parts[0]}.{parts[1]}.{parts[2][..^2]}AA", 4500),
            ["signed with another secret"] = (Hs256("another-secret-another-secret-another-secret", "parley-dev", "acme", "alice"), 4500),
            ["alg none"] = ($"{Segment(new { alg = "none", typ = "JWT" })}.{Segment(payload)}.", 4500),
            ["HS256 signed with the node's ES256 public key"] = (Hs256Bytes(Encoding.UTF8.GetBytes(_nodeKey.ExportSubjectPublicKeyInfoPem()), "parley-dev", "acme", "alice"), 4500),
            ["expired"] = (Parley.Node.Auth.DevelopmentTokenMinter.Mint(TestNode.Secret, new Parley.Node.Options.AuthOptions(), "acme", "alice", ["*"], [], TimeSpan.FromMinutes(1), new ShiftedClock(TimeSpan.FromHours(-1))), 4003),
            ["not yet valid"] = (Parley.Node.Auth.DevelopmentTokenMinter.Mint(TestNode.Secret, new Parley.Node.Options.AuthOptions(), "acme", "alice", ["*"], [], TimeSpan.FromHours(2), new ShiftedClock(TimeSpan.FromHours(1))), 4003),
            ["wrong audience"] = (Hs256(TestNode.Secret, "parley-dev", "acme", "alice", audience: "someone-else"), 4500),
            ["wrong issuer"] = (Hs256(TestNode.Secret, "evil-issuer", "acme", "alice"), 4500),
            ["tenant key claiming another tenant"] = (Hs256(AcmeSecret, "globex", "globex", "alice"), 4500),
            ["tenant key with the tenant's issuer claiming another tenant"] = (Hs256(AcmeSecret, "acme", "globex", "alice"), 4500),
            ["tenant with a path separator"] = (Hs256(TestNode.Secret, "parley-dev", "acme/r/general", "alice"), 4500),
            ["tenant with a unicode look-alike"] = (Hs256(TestNode.Secret, "parley-dev", "аcme", "alice"), 4500),
            ["user with a control character"] = (Hs256(TestNode.Secret, "parley-dev", "acme", "al\u0000ice"), 4500),
            ["empty user"] = (Hs256(TestNode.Secret, "parley-dev", "acme", ""), 4500),
            ["user posing as an API key"] = (Hs256(TestNode.Secret, "parley-dev", "acme", "ak-globex"), 4500),
            ["tenant key signing a user posing as an API key"] = (Hs256(AcmeSecret, "acme", "acme", "AK-backend"), 4500),
            ["signature with base64 padding"] = ($"{parts[0]}.{parts[1]}.{parts[2]}{new string('=', (4 - (parts[2].Length % 4)) % 4)}", 4500),
            ["header naming alg twice"] = (SignedWithHeader("""{"alg":"none","alg":"HS256"}""", parts[1]), 4500),
            ["garbage"] = ("not.a.token", 4500),
            ["a megabyte of token (a first frame over the size limit)"] = (new string('a', 1 << 20), 4505),
            ["disabled tenant"] = (TestNode.Token("banned", "alice"), 4502),
        };
        foreach (var (name, (token, code)) in forged)
        {
            await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
            await client.SendAsync(JsonSerializer.Serialize(new { op = "connect", token }));
            Count(await client.ExpectClosedAsync() == code && client.All("connected").Count == 0, name);
        }

        // Identifiers crafted to escape the tenant prefix, in every op that names one.
        string[] crafted = ["t/globex/r/general", "../globex", "general/../../x", "gеneral", "general\u0000", "general\n", "", " general", "ｇｅｎｅｒａｌ", "e\u0301", new string('a', 65), "a..b", ".hidden", "*"];
        await using var mallory = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "mallory"));
        var rid = 0;
        foreach (var name in crafted)
        {
            foreach (var (make, code) in new (Func<int, object> Make, string Code)[]
            {
                (r => new { op = "join", rid = r, room = name }, "invalid_room"),
                (r => new { op = "send", rid = r, room = name, id = "x", body = 1 }, "invalid_room"),
                (r => new { op = "history", rid = r, room = name }, "invalid_room"),
                (r => new { op = "presence", rid = r, room = name }, "invalid_room"),
                (r => new { op = "send", rid = r, to = name, id = "x", body = 1 }, "invalid_user"),
                (r => new { op = "send", rid = r, room = "ok", id = name, body = 1 }, "invalid_id"),
            })
            {
                var expected = ++rid;
                var frame = make(expected);
                await mallory.SendAsync(JsonSerializer.Serialize(frame));
                JsonElement reply;
                try
                {
                    reply = await mallory.ExpectAsync("error", f => f.TryGetProperty("rid", out var r) && r.GetInt32() == expected);
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"No error for {frame}; last frames: {string.Join(" | ", mallory.Frames.TakeLast(3).Select(f => f.GetRawText()))}");
                }

                Count(reply.GetProperty("code").GetString() == code, $"{frame}");
            }
        }

        // The HTTP API: another tenant's key, a revoked key, crafted names, a disabled tenant.
        var acmeBackend = TestNode.Token("acme", "backend", scopes: ["publish", "read"]);
        await SendAsync(HttpMethod.Post, "/api/v1/rooms/secret/messages", acmeBackend, """{"id":"s-1","body":"acme only"}""");
        var globexRead = await SendAsync(HttpMethod.Get, "/api/v1/rooms/secret/messages", GlobexKey);
        Count(globexRead.StatusCode == HttpStatusCode.OK && !(await globexRead.Content.ReadAsStringAsync()).Contains("acme only", StringComparison.Ordinal), "another tenant's API key reads only its own tenant's room of that name");
        var unknownRoom = await SendAsync(HttpMethod.Get, "/api/v1/rooms/never-written/messages", GlobexKey);
        var knownRoom = await SendAsync(HttpMethod.Get, "/api/v1/rooms/secret/messages", GlobexKey);
        Count(await unknownRoom.Content.ReadAsStringAsync() == (await knownRoom.Content.ReadAsStringAsync()).Replace("\"secret\"", "\"never-written\"", StringComparison.Ordinal), "an existing room of another tenant looks exactly like a room that never existed");
        Count((await SendAsync(HttpMethod.Get, "/api/v1/rooms/secret/messages", RevokedKey)).StatusCode == HttpStatusCode.Unauthorized, "revoked API key");
        Count((await SendAsync(HttpMethod.Post, "/api/v1/rooms/secret/messages", RevokedKey, """{"id":"r-1","body":1}""")).StatusCode == HttpStatusCode.Unauthorized, "revoked API key publishing");
        Count((await SendAsync(HttpMethod.Get, "/api/v1/rooms/secret/presence", "pk_made_up_key")).StatusCode == HttpStatusCode.Unauthorized, "made-up API key");
        foreach (var path in new[] { "t%2Fglobex%2Fr%2Fsecret", "..%2Fglobex", "%D0%B0cme", "a%00b", "secret%20" })
        {
            Count((await SendAsync(HttpMethod.Get, $"/api/v1/rooms/{path}/messages", acmeBackend)).StatusCode == HttpStatusCode.BadRequest, $"crafted room {path} over HTTP");
            Count((await SendAsync(HttpMethod.Post, $"/api/v1/users/{path}/messages", acmeBackend, """{"id":"u-1","body":1}""")).StatusCode == HttpStatusCode.BadRequest, $"crafted user {path} over HTTP");
        }

        Count((await SendAsync(HttpMethod.Post, "/api/v1/rooms/x/messages", TestNode.Token("banned", "backend", scopes: ["publish"]), """{"id":"b-1","body":1}""")).StatusCode == HttpStatusCode.Forbidden, "a disabled tenant's backend publishing");
        Count((await SendAsync(HttpMethod.Post, "/api/v1/rooms/x/messages", acmeBackend, """{"id":"lone-1","body":"\ud800"}""")).StatusCode == HttpStatusCode.BadRequest, "a body with a lone surrogate escape over HTTP");
        Count((await SendAsync(HttpMethod.Get, "/api/v1/cluster", acmeBackend)).StatusCode == HttpStatusCode.Forbidden, "a tenant's token asking for the cluster's nodes");
        using (var anonymous = await _node.Http.GetAsync("/api/v1/cluster"))
        {
            Count(!(await anonymous.Content.ReadAsStringAsync()).Contains("\"nodes\"", StringComparison.Ordinal), "an anonymous caller asking for the cluster's nodes");
        }

        // The node still serves a legitimate client.
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, valid);
        await alice.SendAsync("""{"op":"send","rid":1,"room":"secret","id":"after","body":"still working"}""");
        Assert.Equal(2, (await alice.ExpectAsync("ack")).GetProperty("seq").GetInt64());

        var line = $"isolation suite: {_attempts} attempts, {_refused} refused";
        output.WriteLine(line);
        Console.WriteLine(line);
        Assert.Equal(_attempts, _refused);
    }

    private void Count(bool refusedAsDocumented, string attempt)
    {
        _attempts++;
        if (refusedAsDocumented)
        {
            _refused++;
        }
        else
        {
            output.WriteLine($"NOT refused as documented: {attempt}");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string credential, string? json = null)
    {
        using var request = _node.Request(method, path, credential, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));
        return await _node.Http.SendAsync(request);
    }


    private static string Hs256(string secret, string issuer, string tenant, string user, string audience = "parley")
        => Hs256Bytes(Encoding.UTF8.GetBytes(secret), issuer, tenant, user, audience);

    private static string Hs256Bytes(byte[] secret, string issuer, string tenant, string user, string audience = "parley")
        => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["tenant"] = tenant, ["sub"] = user, ["rooms"] = new[] { "*" } },
        });
}
