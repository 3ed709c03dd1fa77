using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Parley.Node.Auth;
using Parley.Node.Options;
using static Parley.Tests.Auth.TestTokens;

namespace Parley.Tests.Auth;

public sealed class DevelopmentTokenMinterTests
{
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly AuthOptions _auth = new() { Issuer = "issuer-1", Audience = "audience-1" };

    [Fact]
    public void Minted_token_is_HS256_and_carries_every_claim_the_verifier_reads()
    {
        var token = DevelopmentTokenMinter.Mint(Secret, _auth, "acme", "alice", ["general", "team-*"], ["publish", "read"], TimeSpan.FromHours(1), _clock);

        var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])).RootElement;
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        var payload = DecodePayload(token);
        Assert.Equal("acme", payload.GetProperty("tenant").GetString());
        Assert.Equal("alice", payload.GetProperty("sub").GetString());
        Assert.Equal("issuer-1", payload.GetProperty("iss").GetString());
        Assert.Equal("audience-1", payload.GetProperty("aud").GetString());
        Assert.Equal(Start.ToUnixTimeSeconds(), payload.GetProperty("iat").GetInt64());
        Assert.Equal(Start.ToUnixTimeSeconds(), payload.GetProperty("nbf").GetInt64());
        Assert.Equal((Start + TimeSpan.FromHours(1)).ToUnixTimeSeconds(), payload.GetProperty("exp").GetInt64());
        Assert.Equal(["general", "team-*"], payload.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("publish read", payload.GetProperty("scope").GetString());
    }

    [Fact]
    public void Empty_rooms_and_scopes_are_left_out_of_the_token()
    {
        var payload = DecodePayload(DevelopmentTokenMinter.Mint(Secret, _auth, "acme", "alice", [], [], TimeSpan.FromHours(1), _clock));

        Assert.False(payload.TryGetProperty("rooms", out _));
        Assert.False(payload.TryGetProperty("scope", out _));
    }

    [Theory]
    [InlineData("a/b", "alice", "general", "read")]
    [InlineData("acme", "../x", "general", "read")]
    [InlineData("\u0430cme", "alice", "general", "read")]
    [InlineData("", "alice", "general", "read")]
    [InlineData("acme", "alice", "a/b", "read")]
    [InlineData("acme", "alice", "*x", "read")]
    [InlineData("acme", "alice", "general", "two words")]
    [InlineData("acme", "alice", "general", "")]
    [InlineData("acme", "ak-3f1363d7996b", "general", "publish")]
    [InlineData("acme", "AK-backend", "general", "publish")]
    [InlineData("acme:eu", "alice", "general", "read")]
    public void Minting_what_the_verifier_would_refuse_throws(string tenant, string user, string room, string scope)
    {
        Assert.Throws<ArgumentException>(() => DevelopmentTokenMinter.Mint(Secret, _auth, tenant, user, [room], [scope], TimeSpan.FromHours(1), _clock));
    }

    [Fact]
    public void Minting_with_a_short_secret_or_no_lifetime_throws()
    {
        Assert.Throws<ArgumentException>(() => DevelopmentTokenMinter.Mint("short", _auth, "acme", "alice", [], [], TimeSpan.FromHours(1), _clock));
        Assert.Throws<ArgumentException>(() => DevelopmentTokenMinter.Mint(Secret, _auth, "acme", "alice", [], [], TimeSpan.Zero, _clock));
    }
}
