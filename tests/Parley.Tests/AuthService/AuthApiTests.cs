using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>The auth service's HTTP API end to end, against a real Kestrel and a fresh store per test.</summary>
public sealed class AuthApiTests : IAsyncLifetime
{
    private AuthServiceNode _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthServiceNode.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Fact]
    public async Task A_login_token_verifies_with_parleys_own_verifier_through_the_jwks()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = await _auth.LoginAsync("acme", "root");
        await _auth.CreateUserAsync(admin.AccessToken, "acme", "alice", ["general", "team-*"]);

        var tokens = await _auth.LoginAsync("acme", "alice");
        var verification = await NodeVerifier.For(_auth.JwksUrl).VerifyAsync(tokens.AccessToken, CancellationToken.None);

        var principal = verification.Principal;
        Assert.NotNull(principal);
        Assert.Equal(("acme", "alice"), (principal.Tenant, principal.User));
        Assert.True(principal.Rooms.Allows("general"));
        Assert.True(principal.Rooms.Allows("team-red"));
        Assert.False(principal.Rooms.Allows("random"));
        Assert.Empty(principal.Scopes);
        Assert.Equal(900, tokens.ExpiresIn);
        var jwt = new JsonWebToken(tokens.AccessToken);
        Assert.Equal("ES256", jwt.Alg);
        Assert.True(jwt.TryGetPayloadValue<long>("iat", out _));
        Assert.True(jwt.TryGetPayloadValue<long>("nbf", out _));
    }

    [Fact]
    public async Task A_user_without_room_patterns_gets_a_token_for_direct_messages_only()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = await _auth.LoginAsync("acme", "root");
        await _auth.CreateUserAsync(admin.AccessToken, "acme", "alice");

        var tokens = await _auth.LoginAsync("acme", "alice");
        var principal = (await NodeVerifier.For(_auth.JwksUrl).VerifyAsync(tokens.AccessToken, CancellationToken.None)).Principal;

        Assert.NotNull(principal);
        Assert.False(principal.Rooms.Allows("general"));
        Assert.False(new JsonWebToken(tokens.AccessToken).TryGetPayloadValue<object>("rooms", out _));
    }

    [Fact]
    public async Task The_jwks_lists_public_p256_keys_in_the_documented_form_and_nothing_private()
    {
        using var response = await _auth.SendAsync(HttpMethod.Get, "/.well-known/jwks.json");
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);

        var key = Assert.Single(body.GetProperty("keys").EnumerateArray());
        Assert.Equal(["kty", "crv", "x", "y", "kid", "alg", "use"], key.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("EC", "P-256", "ES256", "sig"), (key.GetProperty("kty").GetString(), key.GetProperty("crv").GetString(), key.GetProperty("alg").GetString(), key.GetProperty("use").GetString()));
        Assert.Equal(32, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(key.GetProperty("x").GetString()).Length);
        await _auth.CreateTenantAsync("acme");
        Assert.Equal(key.GetProperty("kid").GetString(), new JsonWebToken((await _auth.LoginAsync("acme", "root")).AccessToken).Kid);
    }

    [Fact]
    public async Task A_refresh_uses_up_the_refresh_token_and_returns_a_new_pair()
    {
        await _auth.CreateTenantAsync("acme");
        var first = await _auth.LoginAsync("acme", "root");

        using var refreshed = await _auth.TryRefreshAsync(first.RefreshToken);
        var second = await TokenPair.ReadAsync(refreshed);

        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotNull((await NodeVerifier.For(_auth.JwksUrl).VerifyAsync(second.AccessToken, CancellationToken.None)).Principal);
        using var again = await _auth.TryRefreshAsync(second.RefreshToken);
        await TokenPair.ReadAsync(again);
    }

    [Fact]
    public async Task Reusing_a_used_refresh_token_revokes_the_family_so_the_newer_token_stops_working_too()
    {
        await _auth.CreateTenantAsync("acme");
        var login = await _auth.LoginAsync("acme", "root");
        using var rotated = await _auth.TryRefreshAsync(login.RefreshToken);
        var newer = await TokenPair.ReadAsync(rotated);
        var otherSession = await _auth.LoginAsync("acme", "root");

        using var reuse = await _auth.TryRefreshAsync(login.RefreshToken);
        using var afterReuse = await _auth.TryRefreshAsync(newer.RefreshToken);
        using var otherRefresh = await _auth.TryRefreshAsync(otherSession.RefreshToken);

        Assert.Equal("invalid_token", await AuthServiceNode.ErrorCodeAsync(reuse, HttpStatusCode.Unauthorized));
        Assert.Equal("invalid_token", await AuthServiceNode.ErrorCodeAsync(afterReuse, HttpStatusCode.Unauthorized));
        await TokenPair.ReadAsync(otherRefresh);
    }

    [Fact]
    public async Task Logout_revokes_the_family_of_the_refresh_token()
    {
        await _auth.CreateTenantAsync("acme");
        var login = await _auth.LoginAsync("acme", "root");
        using var rotated = await _auth.TryRefreshAsync(login.RefreshToken);
        var newer = await TokenPair.ReadAsync(rotated);

        using var logout = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/logout", body: new { refresh_token = login.RefreshToken });
        using var refresh = await _auth.TryRefreshAsync(newer.RefreshToken);
        using var unknownLogout = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/logout", body: new { refresh_token = "never-issued" });

        await AuthServiceNode.ExpectAsync(logout, HttpStatusCode.NoContent);
        Assert.Equal("invalid_token", await AuthServiceNode.ErrorCodeAsync(refresh, HttpStatusCode.Unauthorized));
        await AuthServiceNode.ExpectAsync(unknownLogout, HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_wrong_password_an_unknown_user_and_an_unknown_tenant_get_identical_answers()
    {
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateTenantAsync("globex");

        using var wrongPassword = await _auth.TryLoginAsync("acme", "root", "not the password");
        using var unknownUser = await _auth.TryLoginAsync("acme", "nobody", "not the password");
        using var unknownTenant = await _auth.TryLoginAsync("initech", "root", "not the password");

        var answers = new[] { wrongPassword, unknownUser, unknownTenant };
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));
        Assert.Equal(bodies[0], bodies[1]);
        Assert.Equal(bodies[0], bodies[2]);
        Assert.Contains("invalid_credentials", bodies[0]);
        Assert.All(answers, a => Assert.Equal(
            string.Join(",", wrongPassword.Headers.Concat(wrongPassword.Content.Headers).Select(h => h.Key).Where(k => k != "Date").Order()),
            string.Join(",", a.Headers.Concat(a.Content.Headers).Select(h => h.Key).Where(k => k != "Date").Order())));
    }

    [Fact]
    public async Task Too_many_login_attempts_for_one_user_answer_429_with_retry_after()
    {
        await _auth.CreateTenantAsync("acme");
        for (var i = 0; i < 5; i++)
        {
            using var attempt = await _auth.TryLoginAsync("acme", "root", "wrong password " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        }

        using var limited = await _auth.TryLoginAsync("acme", "root");
        using var otherUser = await _auth.TryLoginAsync("acme", "someone-else", "wrong password");

        Assert.Equal("rate_limited", await AuthServiceNode.ErrorCodeAsync(limited, (HttpStatusCode)429));
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, otherUser.StatusCode);
    }

    [Fact]
    public async Task Too_many_attempts_from_one_address_answer_429_whatever_the_user()
    {
        await using var strict = await AuthServiceNode.StartAsync(new Dictionary<string, string?> { ["ParleyAuth:LoginRateLimit:PerAddressPerMinute"] = "3" });

        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { "a1", "a2", "a3", "a4" })
        {
            using var attempt = await strict.TryLoginAsync("acme", user, "wrong password");
            statuses.Add(attempt.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, (HttpStatusCode)429], statuses);
    }

    [Fact]
    public async Task Operator_endpoints_refuse_a_missing_or_wrong_operator_token()
    {
        await _auth.CreateTenantAsync("acme");
        var adminToken = (await _auth.LoginAsync("acme", "root")).AccessToken;
        var create = new { id = "globex", admin = new { user = "root", password = AuthServiceNode.Password } };

        foreach (var bearer in new string?[] { null, "wrong", AuthServiceNode.OperatorToken + "x", adminToken })
        {
            using var post = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", bearer, create);
            using var list = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants", bearer);
            using var patch = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme", bearer, new { disabled = true });
            using var listing = await _auth.SendAsync(HttpMethod.Get, "/internal/v1/tenants", bearer);
            Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(post, HttpStatusCode.Unauthorized));
            Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(list, HttpStatusCode.Unauthorized));
            Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(patch, HttpStatusCode.Unauthorized));
            Assert.Equal("unauthorized", await AuthServiceNode.ErrorCodeAsync(listing, HttpStatusCode.Unauthorized));
        }

        using var tenant = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/acme", AuthServiceNode.OperatorToken);
        Assert.False((await AuthServiceNode.ExpectAsync(tenant, HttpStatusCode.OK)).GetProperty("disabled").GetBoolean());
        using var noGlobex = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/globex", AuthServiceNode.OperatorToken);
        Assert.Equal(HttpStatusCode.NotFound, noGlobex.StatusCode);
    }

    [Fact]
    public async Task A_tenant_admin_cannot_create_users_in_another_tenant_whether_it_exists_or_not()
    {
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateTenantAsync("globex");
        var acmeAdmin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        var newUser = new { user = "mallory", password = AuthServiceNode.Password, role = "admin" };

        using var existing = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/globex/users", acmeAdmin, newUser);
        using var missing = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/initech/users", acmeAdmin, newUser);
        using var read = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants/globex", acmeAdmin);

        Assert.Equal("forbidden", await AuthServiceNode.ErrorCodeAsync(existing, HttpStatusCode.Forbidden));
        Assert.Equal(await existing.Content.ReadAsStringAsync(), await missing.Content.ReadAsStringAsync());
        Assert.Equal("forbidden", await AuthServiceNode.ErrorCodeAsync(read, HttpStatusCode.Forbidden));
        using var mallory = await _auth.TryLoginAsync("globex", "mallory");
        Assert.Equal(HttpStatusCode.Unauthorized, mallory.StatusCode);
    }

    [Fact]
    public async Task A_member_cannot_create_users_even_in_their_own_tenant()
    {
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateUserAsync((await _auth.LoginAsync("acme", "root")).AccessToken, "acme", "alice");
        var member = (await _auth.LoginAsync("acme", "alice")).AccessToken;

        using var response = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/users", member, new { user = "bob", password = AuthServiceNode.Password });

        Assert.Equal("forbidden", await AuthServiceNode.ErrorCodeAsync(response, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task The_user_quota_is_enforced_and_raising_it_admits_more_users()
    {
        await _auth.CreateTenantAsync("acme", quotas: new { maxUsers = 2 });
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        await _auth.CreateUserAsync(admin, "acme", "alice");

        using var refused = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/users", admin, new { user = "bob", password = AuthServiceNode.Password });
        Assert.Equal("user_quota_exceeded", await AuthServiceNode.ErrorCodeAsync(refused, HttpStatusCode.Forbidden));

        using var raised = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme", AuthServiceNode.OperatorToken, new { quotas = new { maxUsers = 3 } });
        await AuthServiceNode.ExpectAsync(raised, HttpStatusCode.OK);
        await _auth.CreateUserAsync(admin, "acme", "bob");
    }

    [Fact]
    public async Task A_disabled_tenant_can_neither_log_in_nor_refresh_and_strangers_still_learn_nothing()
    {
        await _auth.CreateTenantAsync("acme");
        var session = await _auth.LoginAsync("acme", "root");

        using var disable = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme", AuthServiceNode.OperatorToken, new { disabled = true });
        await AuthServiceNode.ExpectAsync(disable, HttpStatusCode.OK);
        using var login = await _auth.TryLoginAsync("acme", "root");
        using var wrong = await _auth.TryLoginAsync("acme", "root", "not the password");
        using var refresh = await _auth.TryRefreshAsync(session.RefreshToken);
        using var me = await _auth.SendAsync(HttpMethod.Get, "/api/v1/auth/me", session.AccessToken);

        Assert.Equal("tenant_disabled", await AuthServiceNode.ErrorCodeAsync(login, HttpStatusCode.Forbidden));
        Assert.Equal("invalid_credentials", await AuthServiceNode.ErrorCodeAsync(wrong, HttpStatusCode.Unauthorized));
        Assert.Equal("tenant_disabled", await AuthServiceNode.ErrorCodeAsync(refresh, HttpStatusCode.Forbidden));
        Assert.Equal("tenant_disabled", await AuthServiceNode.ErrorCodeAsync(me, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Registration_is_closed_unless_the_tenant_allows_it()
    {
        await _auth.CreateTenantAsync("acme");
        var register = new { tenant = "acme", user = "carol", password = AuthServiceNode.Password };

        using var closed = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/register", body: register);
        using var unknown = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/register", body: register with { tenant = "initech" });
        Assert.Equal("registration_closed", await AuthServiceNode.ErrorCodeAsync(closed, HttpStatusCode.Forbidden));
        Assert.Equal(await closed.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());

        using var open = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme", AuthServiceNode.OperatorToken, new { selfRegistration = true });
        await AuthServiceNode.ExpectAsync(open, HttpStatusCode.OK);
        using var registered = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/register", body: register);
        var user = await AuthServiceNode.ExpectAsync(registered, HttpStatusCode.Created);

        Assert.Equal("member", user.GetProperty("role").GetString());
        Assert.Equal(0, user.GetProperty("rooms").GetArrayLength());
        await _auth.LoginAsync("acme", "carol");
        using var again = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/register", body: register);
        Assert.Equal("user_exists", await AuthServiceNode.ErrorCodeAsync(again, HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Me_returns_the_callers_own_record()
    {
        await _auth.CreateTenantAsync("acme");
        await _auth.CreateUserAsync((await _auth.LoginAsync("acme", "root")).AccessToken, "acme", "alice", ["general"]);
        var alice = await _auth.LoginAsync("acme", "alice");

        using var me = await _auth.SendAsync(HttpMethod.Get, "/api/v1/auth/me", alice.AccessToken);
        using var anonymous = await _auth.SendAsync(HttpMethod.Get, "/api/v1/auth/me");
        using var refreshTokenAsBearer = await _auth.SendAsync(HttpMethod.Get, "/api/v1/auth/me", alice.RefreshToken);

        var body = await AuthServiceNode.ExpectAsync(me, HttpStatusCode.OK);
        Assert.Equal(("acme", "alice", "member"), (body.GetProperty("tenant").GetString(), body.GetProperty("user").GetString(), body.GetProperty("role").GetString()));
        Assert.Equal(["general"], body.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        Assert.False(body.TryGetProperty("passwordHash", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refreshTokenAsBearer.StatusCode);
    }

    [Fact]
    public async Task An_admin_sets_a_users_rooms_and_the_next_token_carries_them()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;
        await _auth.CreateUserAsync(admin, "acme", "alice");

        using var patch = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme/users/alice", admin, new { rooms = new[] { "support-*" } });
        using var bad = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme/users/alice", admin, new { rooms = new[] { "../etc" } });
        using var selfDemotion = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/acme/users/root", admin, new { role = "member" });

        await AuthServiceNode.ExpectAsync(patch, HttpStatusCode.OK);
        Assert.Equal("invalid_room", await AuthServiceNode.ErrorCodeAsync(bad, HttpStatusCode.BadRequest));
        Assert.Equal("forbidden", await AuthServiceNode.ErrorCodeAsync(selfDemotion, HttpStatusCode.Forbidden));
        var principal = (await NodeVerifier.For(_auth.JwksUrl).VerifyAsync((await _auth.LoginAsync("acme", "alice")).AccessToken, CancellationToken.None)).Principal;
        Assert.True(principal!.Rooms.Allows("support-42"));
    }

    [Fact]
    public async Task The_internal_listing_has_an_etag_that_changes_only_when_a_tenant_changes()
    {
        await _auth.CreateTenantAsync("acme", quotas: new { maxConnections = 100, retention = new { maxAgeSeconds = 3600 } });
        await _auth.CreateTenantAsync("globex");

        using var first = await _auth.SendAsync(HttpMethod.Get, "/internal/v1/tenants", AuthServiceNode.OperatorToken);
        var listing = await AuthServiceNode.ExpectAsync(first, HttpStatusCode.OK);
        var etag = first.Headers.ETag!;
        Assert.Equal($"\"{listing.GetProperty("version").GetInt64()}\"", etag.Tag);
        var acme = listing.GetProperty("tenants")[0];
        Assert.Equal(("acme", false, 100, 3600), (acme.GetProperty("id").GetString(), acme.GetProperty("disabled").GetBoolean(),
            acme.GetProperty("quotas").GetProperty("maxConnections").GetInt32(), acme.GetProperty("quotas").GetProperty("retention").GetProperty("maxAgeSeconds").GetInt32()));

        using var unchanged = await ConditionalListingAsync(etag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);

        using var disable = await _auth.SendAsync(HttpMethod.Patch, "/api/v1/tenants/globex", AuthServiceNode.OperatorToken, new { disabled = true });
        await AuthServiceNode.ExpectAsync(disable, HttpStatusCode.OK);
        using var changed = await ConditionalListingAsync(etag.Tag);
        var after = await AuthServiceNode.ExpectAsync(changed, HttpStatusCode.OK);
        Assert.NotEqual(etag.Tag, changed.Headers.ETag!.Tag);
        Assert.True(after.GetProperty("tenants")[1].GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task Bodies_with_unknown_fields_weak_passwords_and_bad_identifiers_are_refused()
    {
        using var unknownField = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "acme", admin = new { user = "root", password = AuthServiceNode.Password }, disable = true });
        using var weak = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "acme", admin = new { user = "root", password = "short" } });
        using var badId = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "acme/../globex", admin = new { user = "root", password = AuthServiceNode.Password } });
        using var badQuota = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "acme", admin = new { user = "root", password = AuthServiceNode.Password }, quotas = new { maxUsers = -1 } });

        Assert.Equal("bad_request", await AuthServiceNode.ErrorCodeAsync(unknownField, HttpStatusCode.BadRequest));
        Assert.Equal("weak_password", await AuthServiceNode.ErrorCodeAsync(weak, HttpStatusCode.BadRequest));
        Assert.Equal("invalid_tenant", await AuthServiceNode.ErrorCodeAsync(badId, HttpStatusCode.BadRequest));
        Assert.Equal("invalid_quota", await AuthServiceNode.ErrorCodeAsync(badQuota, HttpStatusCode.BadRequest));
        using var list = await _auth.SendAsync(HttpMethod.Get, "/api/v1/tenants", AuthServiceNode.OperatorToken);
        Assert.Equal(0, (await AuthServiceNode.ExpectAsync(list, HttpStatusCode.OK)).GetProperty("tenants").GetArrayLength());
    }

    [Fact]
    public async Task A_taken_tenant_id_is_refused_with_409()
    {
        await _auth.CreateTenantAsync("acme");

        using var again = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "acme", admin = new { user = "other", password = AuthServiceNode.Password } });

        Assert.Equal("tenant_exists", await AuthServiceNode.ErrorCodeAsync(again, HttpStatusCode.Conflict));
    }

    private async Task<HttpResponseMessage> ConditionalListingAsync(string etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/internal/v1/tenants");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthServiceNode.OperatorToken);
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        return await _auth.Http.SendAsync(request);
    }
}
