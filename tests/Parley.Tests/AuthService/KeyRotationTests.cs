using System.Net;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Parley.Node.Auth;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>
/// Signing key rotation on a moved clock: a new key is published before it signs, tokens of the
/// old key keep verifying on a node until they expire, and the JWKS drops the old key afterwards.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly HttpClient _http = new();
    private AuthServiceNode _auth = null!;

    public async Task InitializeAsync()
    {
        _auth = await AuthServiceNode.StartAsync(new Dictionary<string, string?>
        {
            ["ParleyAuth:KeyRotationInterval"] = "1.00:00:00",
            ["ParleyAuth:KeyPublicationDelay"] = "00:05:00",
            ["ParleyAuth:AccessTokenLifetime"] = "00:15:00",
            ["ParleyAuth:RetiredKeyGrace"] = "00:02:00",
            ["ParleyAuth:MaintenanceInterval"] = "00:01:00",
        }, _clock);
        await _auth.CreateTenantAsync("acme");
    }

    public async Task DisposeAsync()
    {
        await _auth.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Old_tokens_keep_verifying_until_they_expire_and_the_jwks_drops_the_retired_key_afterwards()
    {
        var node = NodeVerifier.For(_auth.JwksUrl, _clock, _http);
        var firstKey = Assert.Single(await KeyIdsAsync());

        // Shortly before the rotation is due, a token signed by the first key.
        await AdvanceAndSettleAsync(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59));
        var old = await _auth.LoginAsync("acme", "root");
        Assert.Equal(firstKey, new JsonWebToken(old.AccessToken).Kid);
        Assert.NotNull(await PrincipalAsync(node, old.AccessToken));

        // The rotation: a second key is published, but the first keeps signing until the handover.
        _clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.TrueAsync(async () => (await KeyIdsAsync()).Count == 2, "the JWKS publishes a second key");
        var secondKey = (await KeyIdsAsync()).Single(k => k != firstKey);
        Assert.Equal(firstKey, new JsonWebToken((await _auth.LoginAsync("acme", "root")).AccessToken).Kid);

        // After the publication delay the new key signs; a node verifies its tokens and the old ones.
        await AdvanceAndSettleAsync(TimeSpan.FromMinutes(6));
        var fresh = await _auth.LoginAsync("acme", "root");
        Assert.Equal(secondKey, new JsonWebToken(fresh.AccessToken).Kid);
        Assert.NotNull(await PrincipalAsync(node, fresh.AccessToken));
        Assert.NotNull(await PrincipalAsync(node, old.AccessToken));
        Assert.Equal([firstKey, secondKey], await KeyIdsAsync());

        // Once every token of the first key has expired (and the grace passed), it leaves the JWKS.
        _clock.Advance(TimeSpan.FromMinutes(20));
        await Eventually.TrueAsync(async () => (await KeyIdsAsync()).Count == 1, "the JWKS drops the retired key");
        Assert.Equal([secondKey], await KeyIdsAsync());
        Assert.Null(await PrincipalAsync(node, old.AccessToken));
        Assert.NotNull(await PrincipalAsync(NodeVerifier.For(_auth.JwksUrl, _clock, _http), (await _auth.LoginAsync("acme", "root")).AccessToken));
    }

    [Fact]
    public async Task No_new_key_is_created_before_the_rotation_interval_has_passed()
    {
        var first = Assert.Single(await KeyIdsAsync());

        await AdvanceAndSettleAsync(TimeSpan.FromHours(23));

        Assert.Equal([first], await KeyIdsAsync());
    }

    [Fact]
    public async Task A_restarted_service_keeps_its_keys_so_tokens_it_issued_still_verify()
    {
        var directory = Path.Combine(Path.GetTempPath(), "parley-auth-restart-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["ParleyAuth:DataDirectory"] = directory };
        try
        {
            string token;
            List<string> keys;
            await using (var first = await AuthServiceNode.StartAsync(settings))
            {
                await first.CreateTenantAsync("acme");
                token = (await first.LoginAsync("acme", "root")).AccessToken;
                keys = await KeyIdsAsync(first);
            }

            await using var second = await AuthServiceNode.StartAsync(settings);

            Assert.Equal(keys, await KeyIdsAsync(second));
            Assert.NotNull(await PrincipalAsync(NodeVerifier.For(second.JwksUrl, http: _http), token));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private Task<List<string>> KeyIdsAsync() => KeyIdsAsync(_auth);

    private static async Task<List<string>> KeyIdsAsync(AuthServiceNode auth)
    {
        using var response = await auth.SendAsync(HttpMethod.Get, "/.well-known/jwks.json");
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
        return [.. body.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }

    /// <summary>Moves the clock and waits until the maintenance round it triggers has finished (the keys are unchanged or changed, and stable).</summary>
    private async Task AdvanceAndSettleAsync(TimeSpan by)
    {
        _clock.Advance(by);
        var ring = (Parley.Auth.Keys.SigningKeyRing)_auth.Services.GetService(typeof(Parley.Auth.Keys.SigningKeyRing))!;
        await ring.MaintainAsync(CancellationToken.None);
    }

    private static async Task<Principal?> PrincipalAsync(JwtTokenVerifier verifier, string token) =>
        (await verifier.VerifyAsync(token, CancellationToken.None)).Principal;
}
