using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>Tenant signing keys and API keys through the auth service's HTTP API, against a real Kestrel.</summary>
public sealed class TenantCredentialsApiTests : IAsyncLifetime
{
    private const string Secret = "acme-backend-hs256-secret-0123456789abcdef";
    private const string Operator = AuthServiceNode.OperatorToken;

    private AuthServiceNode _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthServiceNode.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Fact]
    public async Task An_admin_of_one_tenant_cannot_touch_another_tenants_keys_or_api_keys_and_gets_the_same_answer_whether_it_exists_or_not()
    {
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateTenantAsync("globex");
        await AddKeyAsync(Operator, "globex", new { kid = "g1", alg = "HS256", secret = Secret });
        var globexKey = await CreateApiKeyAsync(Operator, "globex", "publish");
        var acmeAdmin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        await _auth.CreateUserAsync(acmeAdmin, "acme", "alice");
        var acmeMember = (await _auth.LoginAsync("acme", "alice")).AccessToken;

        foreach (var (token, target) in new[] { (acmeAdmin, "globex"), (acmeAdmin, "nobody"), (acmeMember, "acme") })
        {
            var answers = new List<string>();
            foreach (var (method, path, body) in Calls(target, globexKey.Id))
            {
                using var response = await _auth.SendAsync(method, path, token, body);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                answers.Add(await response.Content.ReadAsStringAsync());
            }

            Assert.All(answers, a => Assert.Equal("""{"error":{"code":"forbidden","message":"Only an administrator of this tenant may do this."}}""", a));
        }

        Assert.Equal(["g1"], (await ListAsync(Operator, "globex", "keys")).Select(k => k.GetProperty("kid").GetString()));
        Assert.False(Assert.Single(await ListAsync(Operator, "globex", "api-keys")).GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task The_operator_manages_any_tenants_keys_and_is_told_when_the_tenant_does_not_exist()
    {
        await _auth.CreateTenantAsync("acme");

        await AddKeyAsync(Operator, "acme", new { kid = "a1", alg = "HS256", secret = Secret });
        using var missingAdd = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/nobody/keys", Operator, new { kid = "n1", alg = "HS256", secret = Secret });
        using var missingList = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/nobody/api-keys", Operator);
        using var missingKey = await _auth.SendAsync(HttpMethod.Delete, "/api/v1/tenants/acme/keys/nope", Operator);
        using var deleted = await _auth.SendAsync(HttpMethod.Delete, "/api/v1/tenants/acme/keys/a1", Operator);

        Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(missingAdd, HttpStatusCode.NotFound));
        Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(missingList, HttpStatusCode.NotFound));
        Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(missingKey, HttpStatusCode.NotFound));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await ListAsync(Operator, "acme", "keys"));
    }

    [Fact]
    public async Task A_tenant_admin_registers_keys_that_fit_their_algorithm_and_bad_ones_are_refused_with_the_reason()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa2048 = RSA.Create(2048);
        using var rsa1024 = RSA.Create(1024);

        await AddKeyAsync(admin, "acme", new { kid = "es-1", alg = "ES256", pem = p256.ExportSubjectPublicKeyInfoPem() });
        await AddKeyAsync(admin, "acme", new { kid = "rs-1", alg = "RS256", pem = rsa2048.ExportRSAPublicKeyPem() });
        await AddKeyAsync(admin, "acme", new { kid = "hs-1", alg = "HS256", secret = Secret });

        var refusals = new (object Body, string Code)[]
        {
            (new { kid = "../evil", alg = "HS256", secret = Secret }, "invalid_key"),
            (new { kid = "x1", alg = "none", secret = Secret }, "invalid_key"),
            (new { kid = "x2", alg = "HS256", secret = "too-short-secret" }, "invalid_key"),
            (new { kid = "x3", alg = "HS256", pem = p256.ExportSubjectPublicKeyInfoPem() }, "invalid_key"),
            (new { kid = "x4", alg = "ES256", pem = rsa2048.ExportSubjectPublicKeyInfoPem() }, "invalid_key"),
            (new { kid = "x5", alg = "ES256", pem = p384.ExportSubjectPublicKeyInfoPem() }, "invalid_key"),
            (new { kid = "x6", alg = "ES256", pem = p256.ExportPkcs8PrivateKeyPem() }, "invalid_key"),
            (new { kid = "x7", alg = "RS256", pem = rsa1024.ExportSubjectPublicKeyInfoPem() }, "invalid_key"),
            (new { kid = "x8", alg = "RS256", pem = p256.ExportSubjectPublicKeyInfoPem() }, "invalid_key"),
            (new { kid = "x9", alg = "ES256", pem = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----" }, "invalid_key"),
            (new { kid = "x10", alg = "ES256", secret = Secret }, "invalid_key"),
            (new { kid = "x11", alg = "HS256", secret = Secret, use = "sig" }, "bad_request"),
        };
        foreach (var (body, code) in refusals)
        {
            using var response = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/keys", admin, body);
            Assert.Equal(code, await AuthServiceNode.ErrorCodeAsync(response, HttpStatusCode.BadRequest));
        }

        using var taken = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/keys", admin, new { kid = "hs-1", alg = "HS256", secret = Secret + "x" });
        Assert.Equal("key_exists", await AuthServiceNode.ErrorCodeAsync(taken, HttpStatusCode.Conflict));
        Assert.Equal(["es-1", "hs-1", "rs-1"], (await ListAsync(admin, "acme", "keys")).Select(k => k.GetProperty("kid").GetString()));
    }

    [Fact]
    public async Task Listing_keys_never_shows_an_hs256_secret_while_the_operator_only_internal_listing_carries_it_for_nodes()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        using var rsa = RSA.Create(2048);
        var created = await AddKeyAsync(admin, "acme", new { kid = "hs-1", alg = "HS256", secret = Secret });
        await AddKeyAsync(admin, "acme", new { kid = "rs-1", alg = "RS256", pem = rsa.ExportRSAPublicKeyPem() });

        using var list = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/keys", admin);
        var listText = await list.Content.ReadAsStringAsync();
        var keys = JsonDocument.Parse(listText).RootElement.GetProperty("keys");

        Assert.DoesNotContain(Secret, created.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, listText, StringComparison.Ordinal);
        Assert.True(keys[0].GetProperty("hasSecret").GetBoolean());
        Assert.False(keys[0].TryGetProperty("secret", out _));
        Assert.Equal(rsa.ExportSubjectPublicKeyInfoPem(), keys[1].GetProperty("pem").GetString());

        var nodeKeys = (await InternalListingAsync()).GetProperty("tenants")[0].GetProperty("keys");
        Assert.Equal(("hs-1", "HS256", Secret), (nodeKeys[0].GetProperty("kid").GetString(), nodeKeys[0].GetProperty("alg").GetString(), nodeKeys[0].GetProperty("secret").GetString()));
        Assert.Equal(("rs-1", "RS256", rsa.ExportSubjectPublicKeyInfoPem()), (nodeKeys[1].GetProperty("kid").GetString(), nodeKeys[1].GetProperty("alg").GetString(), nodeKeys[1].GetProperty("pem").GetString()));
    }

    [Fact]
    public async Task An_api_key_is_returned_once_and_only_its_hash_is_ever_shown_again()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;

        var created = await CreateApiKeyAsync(admin, "acme", "read", "publish");

        Assert.StartsWith("pk_", created.Key, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(created.Key[3..].Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Matches("^ak-[0-9a-f]{12}$", created.Id);
        Assert.Equal(["publish", "read"], created.Body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        using var list = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme/api-keys", admin);
        var listText = await list.Content.ReadAsStringAsync();
        using var tenants = await _auth.SendAsync(HttpMethod.Get, "/internal/v1/tenants", Operator);
        var internalText = await tenants.Content.ReadAsStringAsync();
        Assert.DoesNotContain(created.Key, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Key[3..], internalText, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(listText).RootElement.GetProperty("apiKeys")[0];
        Assert.Equal((created.Id, "key for tests", false), (listed.GetProperty("id").GetString(), listed.GetProperty("name").GetString(), listed.GetProperty("revoked").GetBoolean()));
        Assert.False(listed.TryGetProperty("key", out _));
        var node = JsonDocument.Parse(internalText).RootElement.GetProperty("tenants")[0].GetProperty("apiKeys")[0];
        Assert.Equal(DirectoryServer.KeyHash(created.Key), node.GetProperty("sha256").GetString());
        Assert.Equal(["id", "sha256", "scopes", "revoked"], node.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Api_key_requests_need_a_name_and_a_non_empty_subset_of_publish_and_read()
    {
        await _auth.CreateTenantAsync("acme");

        foreach (var (body, code) in new (object, string)[]
        {
            (new { name = "backend", scopes = Array.Empty<string>() }, "invalid_scope"),
            (new { name = "backend", scopes = new[] { "publish", "admin" } }, "invalid_scope"),
            (new { name = "backend" }, "invalid_scope"),
            (new { scopes = new[] { "read" } }, "bad_request"),
            (new { name = "", scopes = new[] { "read" } }, "bad_request"),
        })
        {
            using var response = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/api-keys", Operator, body);
            Assert.Equal(code, await AuthServiceNode.ErrorCodeAsync(response, HttpStatusCode.BadRequest));
        }

        Assert.Empty(await ListAsync(Operator, "acme", "api-keys"));
    }

    [Fact]
    public async Task A_revoked_api_key_is_kept_flagged_and_shows_as_revoked_in_the_nodes_listing()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        var key = await CreateApiKeyAsync(admin, "acme", "publish");

        using var revoke = await _auth.SendAsync(HttpMethod.Delete, $"/api/v1/tenants/acme/api-keys/{key.Id}", admin);
        var revoked = await AuthServiceNode.ExpectAsync(revoke, HttpStatusCode.OK);
        using var unknown = await _auth.SendAsync(HttpMethod.Delete, "/api/v1/tenants/acme/api-keys/ak-000000000000", admin);

        Assert.True(revoked.GetProperty("revoked").GetBoolean());
        Assert.True(revoked.TryGetProperty("revokedAt", out _));
        Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(unknown, HttpStatusCode.NotFound));
        Assert.True(Assert.Single(await ListAsync(admin, "acme", "api-keys")).GetProperty("revoked").GetBoolean());
        var node = (await InternalListingAsync()).GetProperty("tenants")[0].GetProperty("apiKeys")[0];
        Assert.Equal((key.Id, true), (node.GetProperty("id").GetString(), node.GetProperty("revoked").GetBoolean()));
    }

    [Fact]
    public async Task Usage_reports_from_nodes_move_last_used_forward_only_and_need_the_operator_token()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        var key = await CreateApiKeyAsync(admin, "acme", "publish");
        var used = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());

        using var denied = await _auth.SendAsync(HttpMethod.Post, "/internal/v1/api-keys/usage", admin, Usage((key.Id, used)));
        Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(denied, HttpStatusCode.Unauthorized));
        Assert.False(Assert.Single(await ListAsync(admin, "acme", "api-keys")).TryGetProperty("lastUsed", out _));

        await ReportAsync(Usage((key.Id, used), ("ak-unknown00000", used)));
        await ReportAsync(Usage((key.Id, used.AddMinutes(-10))));
        Assert.Equal(used, Assert.Single(await ListAsync(admin, "acme", "api-keys")).GetProperty("lastUsed").GetDateTimeOffset());

        // A node whose clock runs ahead cannot pin the time in the future.
        await ReportAsync(Usage((key.Id, DateTimeOffset.UtcNow.AddDays(1))));
        Assert.True(Assert.Single(await ListAsync(admin, "acme", "api-keys")).GetProperty("lastUsed").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task The_listing_version_rises_with_every_change_to_keys_and_api_keys_but_not_with_usage()
    {
        await _auth.CreateTenantAsync("acme");
        var versions = new List<long> { await VersionAsync() };

        await AddKeyAsync(Operator, "acme", new { kid = "hs-1", alg = "HS256", secret = Secret });
        versions.Add(await VersionAsync());
        var key = await CreateApiKeyAsync(Operator, "acme", "read");
        versions.Add(await VersionAsync());
        using (var revoke = await _auth.SendAsync(HttpMethod.Delete, $"/api/v1/tenants/acme/api-keys/{key.Id}", Operator))
        {
            await AuthServiceNode.ExpectAsync(revoke, HttpStatusCode.OK);
        }

        versions.Add(await VersionAsync());
        using (var delete = await _auth.SendAsync(HttpMethod.Delete, "/api/v1/tenants/acme/keys/hs-1", Operator))
        {
            await AuthServiceNode.ExpectAsync(delete, HttpStatusCode.NoContent);
        }

        versions.Add(await VersionAsync());
        await ReportAsync(Usage((key.Id, DateTimeOffset.UtcNow)));

        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.Equal(versions[^1], await VersionAsync());
    }

    [Fact]
    public async Task The_operator_adds_users_to_a_tenant_as_an_administrator_would()
    {
        await _auth.CreateTenantAsync("acme");

        await _auth.CreateUserAsync(Operator, "acme", "alice", ["general"]);
        using var missing = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/nobody/users", Operator, new { user = "bob", password = AuthServiceNode.Password });

        Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(missing, HttpStatusCode.NotFound));
        Assert.NotNull((await _auth.LoginAsync("acme", "alice")).AccessToken);
    }

    [Fact]
    public async Task Signing_key_and_api_key_endpoints_give_the_same_answers_to_a_stranger_a_missing_tenant_and_a_malformed_body()
    {
        await _auth.CreateTenantAsync("acme");

        foreach (var (method, path, body) in Calls("acme", "ak-000000000000"))
        {
            using var anonymous = await _auth.SendAsync(method, path, null, body);
            Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(anonymous, HttpStatusCode.Unauthorized));
        }

        foreach (var (method, path, body) in Calls("nobody", "ak-000000000000").Where(c => c.Item1 != HttpMethod.Delete))
        {
            using var missing = await _auth.SendAsync(method, path, Operator, body);
            Assert.Equal("not_found", await AuthServiceNode.ErrorCodeAsync(missing, HttpStatusCode.NotFound));
        }

        using var badKey = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/keys", Operator, "not an object");
        using var badApiKey = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/api-keys", Operator, "not an object");
        Assert.Equal(
            await AuthServiceNode.ErrorCodeAsync(badKey, HttpStatusCode.BadRequest),
            await AuthServiceNode.ErrorCodeAsync(badApiKey, HttpStatusCode.BadRequest));
    }

    private static IEnumerable<(HttpMethod, string, object?)> Calls(string tenant, string apiKeyId) =>
    [
        (HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys", new { kid = "x1", alg = "HS256", secret = Secret }),
        (HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys", null),
        (HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/g1", null),
        (HttpMethod.Post, $"/api/v1/tenants/{tenant}/api-keys", new { name = "stolen", scopes = new[] { "publish" } }),
        (HttpMethod.Get, $"/api/v1/tenants/{tenant}/api-keys", null),
        (HttpMethod.Delete, $"/api/v1/tenants/{tenant}/api-keys/{apiKeyId}", null),
    ];

    private async Task<JsonElement> AddKeyAsync(string bearer, string tenant, object body)
    {
        using var response = await _auth.SendAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys", bearer, body);
        return await AuthServiceNode.ExpectAsync(response, HttpStatusCode.Created);
    }

    private async Task<(string Id, string Key, JsonElement Body)> CreateApiKeyAsync(string bearer, string tenant, params string[] scopes)
    {
        using var response = await _auth.SendAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant}/api-keys", bearer, new { name = "key for tests", scopes });
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.Created);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!, body);
    }

    private async Task<List<JsonElement>> ListAsync(string bearer, string tenant, string what)
    {
        using var response = await _auth.SendAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant}/{what}", bearer);
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
        return [.. body.GetProperty(what == "keys" ? "keys" : "apiKeys").EnumerateArray()];
    }

    private async Task<JsonElement> InternalListingAsync()
    {
        using var response = await _auth.SendAsync(HttpMethod.Get, "/internal/v1/tenants", Operator);
        return await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
    }

    private async Task<long> VersionAsync() => (await InternalListingAsync()).GetProperty("version").GetInt64();

    private async Task ReportAsync(object usage)
    {
        using var response = await _auth.SendAsync(HttpMethod.Post, "/internal/v1/api-keys/usage", Operator, usage);
        await AuthServiceNode.ExpectAsync(response, HttpStatusCode.NoContent);
    }

    private static object Usage(params (string Id, DateTimeOffset At)[] entries) => new { usage = entries.ToDictionary(e => e.Id, e => e.At) };

}
