using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Parley.Node.Auth;
using Parley.Node.Options;
using static Parley.Tests.Auth.TestTokens;

namespace Parley.Tests.Auth;

public sealed class JwtTokenVerifierTests
{
    /// <summary>What verifying a valid token may allocate: its claims, principal and result (about 3 KB), with room to spare.</summary>
    private const long MaxVerificationBytes = 4096;

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly AuthOptions _options = new();

    private JwtTokenVerifier DevelopmentVerifier() => new(_options, Secret, null, _clock, NullLogger<JwtTokenVerifier>.Instance);

    private JwtTokenVerifier PublicKeyVerifier(params PublicKeyOptions[] keys)
    {
        var options = new AuthOptions { DisableDevelopmentKey = true, PublicKeys = [.. keys] };
        return new JwtTokenVerifier(options, null, null, _clock, NullLogger<JwtTokenVerifier>.Instance);
    }

    private string Mint(IReadOnlyList<string>? rooms = null, IReadOnlyList<string>? scopes = null, AuthOptions? auth = null, string secret = Secret) =>
        DevelopmentTokenMinter.Mint(secret, auth ?? _options, "acme", "alice", rooms ?? ["general"], scopes ?? [], TimeSpan.FromMinutes(5), _clock);

    private Task<TokenVerification> VerifyAsync(JwtTokenVerifier verifier, string token) => verifier.VerifyAsync(token, CancellationToken.None);

    private static void AssertRefused(TokenRefusal expected, TokenVerification verification)
    {
        Assert.Equal(expected, verification.Refusal);
        Assert.Null(verification.Principal);
    }

    [Fact]
    public async Task Minted_development_token_verifies_to_its_tenant_user_rooms_scopes_and_expiry()
    {
        var token = Mint(rooms: ["general", "team-*"], scopes: ["publish", "read"]);

        var verification = await VerifyAsync(DevelopmentVerifier(), token);

        Assert.Equal(TokenRefusal.None, verification.Refusal);
        var principal = verification.Principal!;
        Assert.Equal("acme", principal.Tenant);
        Assert.Equal("alice", principal.User);
        Assert.True(principal.Rooms.Allows("general"));
        Assert.True(principal.Rooms.Allows("team-red"));
        Assert.False(principal.Rooms.Allows("random"));
        Assert.Equal(["general", "team-*"], principal.Rooms.Source);
        Assert.True(principal.HasScope(Principal.PublishScope));
        Assert.True(principal.HasScope(Principal.ReadScope));
        Assert.Equal(2, principal.Scopes.Count);
        Assert.Equal(Start + TimeSpan.FromMinutes(5) + _options.ClockSkew, principal.Expires);
    }

    [Fact]
    public async Task Verifying_a_token_allocates_little_more_than_the_principal_it_returns()
    {
        var verifier = DevelopmentVerifier();
        var token = Mint(rooms: ["general", "team-*"], scopes: ["publish"]);
        for (var i = 0; i < 3; i++)
        {
            // Warm: the first calls fill the pools this thread rents from.
            Assert.NotNull((await VerifyAsync(verifier, token)).Principal);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var verification = verifier.VerifyAsync(token, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Completed on this thread, so the count above holds all of its garbage.
        Assert.True(verification.IsCompletedSuccessfully);
        Assert.NotNull((await verification).Principal);
        Assert.True(allocated <= MaxVerificationBytes, $"{allocated} bytes allocated to verify one token");
    }

    [Fact]
    public async Task Token_without_rooms_claim_allows_no_room_and_has_no_scope()
    {
        var verification = await VerifyAsync(DevelopmentVerifier(), Mint(rooms: []));

        var principal = verification.Principal!;
        Assert.False(principal.Rooms.Allows("general"));
        Assert.Empty(principal.Rooms.Source);
        Assert.Empty(principal.Scopes);
    }

    [Fact]
    public async Task Token_past_its_expiry_and_the_clock_skew_is_refused_as_expired()
    {
        var token = Mint();
        _clock.Advance(TimeSpan.FromMinutes(5) + _options.ClockSkew + TimeSpan.FromSeconds(1));

        AssertRefused(TokenRefusal.Expired, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Fact]
    public async Task Token_expired_by_less_than_the_clock_skew_is_accepted()
    {
        var token = Mint();
        _clock.Advance(TimeSpan.FromMinutes(5) + _options.ClockSkew - TimeSpan.FromSeconds(1));

        Assert.NotNull((await VerifyAsync(DevelopmentVerifier(), token)).Principal);
    }

    [Fact]
    public async Task Token_expired_within_the_clock_skew_is_accepted_until_its_expiry_plus_the_skew_and_no_longer()
    {
        var token = Mint();
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(20));

        var principal = (await VerifyAsync(DevelopmentVerifier(), token)).Principal!;

        // The one deadline the connection is held to: what verification accepts, it keeps until then.
        Assert.Equal(Start + TimeSpan.FromMinutes(5) + _options.ClockSkew, principal.Expires);
        Assert.True(principal.Expires > _clock.GetUtcNow());
        _clock.Advance(principal.Expires - _clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        AssertRefused(TokenRefusal.Expired, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Fact]
    public async Task Token_whose_not_before_lies_beyond_the_clock_skew_is_refused_as_expired()
    {
        var claims = Claims(Start);
        claims["nbf"] = (Start + _options.ClockSkew + TimeSpan.FromSeconds(5)).ToUnixTimeSeconds();

        AssertRefused(TokenRefusal.Expired, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    [Fact]
    public async Task Token_whose_not_before_lies_within_the_clock_skew_is_accepted()
    {
        var claims = Claims(Start);
        claims["nbf"] = (Start + _options.ClockSkew - TimeSpan.FromSeconds(5)).ToUnixTimeSeconds();

        Assert.NotNull((await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret)))).Principal);
    }

    [Fact]
    public async Task Expired_token_with_a_bad_signature_is_refused_as_invalid_not_expired()
    {
        var claims = Claims(Start - TimeSpan.FromHours(1));

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret + "-other"))));
    }

    [Theory]
    [InlineData("someone-else")]
    [InlineData("PARLEY-DEV")]
    [InlineData("parley-dev/")]
    public async Task Token_from_another_issuer_is_refused(string issuer)
    {
        var token = Mint(auth: new AuthOptions { Issuer = issuer });

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Theory]
    [InlineData("other-service")]
    [InlineData("parley/")]
    [InlineData("Parley")]
    public async Task Token_for_another_audience_is_refused(string audience)
    {
        var token = Mint(auth: new AuthOptions { Audience = audience });

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Fact]
    public async Task Token_naming_the_audience_among_several_is_accepted()
    {
        var claims = Claims(Start);
        claims["aud"] = new[] { "billing", "parley" };

        Assert.NotNull((await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret)))).Principal);
    }

    [Fact]
    public async Task Token_with_a_tampered_payload_is_refused()
    {
        var parts = Mint().Split('.');
        var forged = Claims(Start);
        forged["tenant"] = "globex";

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), $"{parts[0]}.{Encode(forged)}.{parts[2]}"));
    }

    [Fact]
    public async Task Token_with_a_tampered_signature_is_refused()
    {
        var token = Mint();
        var signatureStart = token.LastIndexOf('.') + 1;
        var flipped = token[signatureStart] == 'A' ? 'B' : 'A';

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), token[..signatureStart] + flipped + token[(signatureStart + 1)..]));
    }

    [Fact]
    public async Task Token_signed_with_another_secret_is_refused()
    {
        var token = Mint(secret: "another-secret-that-is-also-32-bytes-long");

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Theory]
    [InlineData("none", "")]
    [InlineData("None", "")]
    [InlineData("NONE", "")]
    [InlineData("none", "c2lnbmF0dXJl")]
    public async Task Unsigned_token_with_alg_none_is_refused(string alg, string signature)
    {
        var token = $"{Encode(Header(alg))}.{Encode(Claims(Start))}.{signature}";

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), token));
    }

    [Fact]
    public async Task HS256_token_signed_with_the_public_key_bytes_is_refused_when_only_that_ES256_key_is_configured()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = ec.ExportSubjectPublicKeyInfoPem();
        var verifier = PublicKeyVerifier(new PublicKeyOptions { Algorithm = "ES256", Pem = pem });

        // The classic confusion: an attacker knows the public key and uses it as an HMAC secret,
        // in each form a verifier might hold it.
        foreach (var keyBytes in new[] { Encoding.UTF8.GetBytes(pem), ec.ExportSubjectPublicKeyInfo() })
        {
            var token = Build(Header("HS256"), Claims(Start), Hmac(keyBytes));
            AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, token));
        }

        // The same key does verify what it is pinned to.
        Assert.NotNull((await VerifyAsync(verifier, Build(Header("ES256"), Claims(Start), Es256(ec)))).Principal);
    }

    [Fact]
    public async Task ES256_token_verifies_with_a_configured_PEM_public_key()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = PublicKeyVerifier(new PublicKeyOptions { KeyId = "ec-1", Algorithm = "ES256", Pem = ec.ExportSubjectPublicKeyInfoPem() });

        var verification = await VerifyAsync(verifier, Build(Header("ES256", "ec-1"), Claims(Start), Es256(ec)));

        Assert.Equal("acme", verification.Principal?.Tenant);
    }

    [Fact]
    public async Task RS256_token_verifies_with_a_configured_PEM_public_key()
    {
        using var rsa = RSA.Create(2048);
        var verifier = PublicKeyVerifier(new PublicKeyOptions { Algorithm = "RS256", Pem = rsa.ExportSubjectPublicKeyInfoPem() });

        var verification = await VerifyAsync(verifier, Build(Header("RS256"), Claims(Start), Rs256(rsa)));

        Assert.Equal("alice", verification.Principal?.User);
    }

    [Fact]
    public async Task RS256_token_is_refused_by_an_ES256_only_configuration()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var verifier = PublicKeyVerifier(new PublicKeyOptions { Algorithm = "ES256", Pem = ec.ExportSubjectPublicKeyInfoPem() });

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, Build(Header("RS256"), Claims(Start), Rs256(rsa))));
    }

    [Fact]
    public async Task Token_whose_header_names_another_algorithm_than_its_key_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var verifier = PublicKeyVerifier(new PublicKeyOptions { Algorithm = "RS256", Pem = rsa.ExportSubjectPublicKeyInfoPem() });

        // A valid RS256 signature under a header that claims another RSA algorithm.
        foreach (var alg in new[] { "PS256", "RS384", "RS512", "ES256" })
        {
            AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, Build(Header(alg), Claims(Start), Rs256(rsa))));
        }
    }

    [Fact]
    public async Task Token_whose_kid_names_another_configured_key_is_refused()
    {
        using var first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = PublicKeyVerifier(
            new PublicKeyOptions { KeyId = "first", Algorithm = "ES256", Pem = first.ExportSubjectPublicKeyInfoPem() },
            new PublicKeyOptions { KeyId = "second", Algorithm = "ES256", Pem = second.ExportSubjectPublicKeyInfoPem() });

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, Build(Header("ES256", "second"), Claims(Start), Es256(first))));
        Assert.NotNull((await VerifyAsync(verifier, Build(Header("ES256", "first"), Claims(Start), Es256(first)))).Principal);
    }

    [Fact]
    public async Task Development_key_is_not_used_when_it_is_disabled()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new AuthOptions
        {
            DisableDevelopmentKey = true,
            PublicKeys = [new PublicKeyOptions { Algorithm = "ES256", Pem = ec.ExportSubjectPublicKeyInfoPem() }],
        };
        var verifier = new JwtTokenVerifier(options, Secret, null, _clock, NullLogger<JwtTokenVerifier>.Instance);

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, Mint()));
    }

    [Theory]
    [InlineData("tenant")]
    [InlineData("sub")]
    [InlineData("exp")]
    [InlineData("iss")]
    [InlineData("aud")]
    public async Task Token_missing_a_required_claim_is_refused(string claim)
    {
        var claims = Claims(Start);
        claims.Remove(claim);

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    public static TheoryData<string, object> IdentifierViolations()
    {
        var data = new TheoryData<string, object>();
        foreach (var claim in new[] { "tenant", "sub" })
        {
            data.Add(claim, "a/b");
            data.Add(claim, "../x");
            data.Add(claim, "\u0430cme");
            data.Add(claim, "");
            data.Add(claim, new string('a', 65));
            data.Add(claim, "-acme");
            data.Add(claim, "ac me");
            data.Add(claim, 42);
            data.Add(claim, new[] { "acme" });
        }

        // The API keys' namespace: no token speaks as a key.
        data.Add("sub", "ak-3f1363d7996b");
        data.Add("sub", "AK-3F1363D7996B");
        data.Add("sub", "ak-");

        return data;
    }

    [Theory]
    [MemberData(nameof(IdentifierViolations))]
    public async Task Tenant_or_user_breaking_the_identifier_rules_is_refused(string claim, object value)
    {
        var claims = Claims(Start);
        claims[claim] = value;

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    public static TheoryData<object> InvalidRooms() => new()
    {
        new[] { "general", "a/b" },
        new[] { "*x" },
        new[] { "team-**" },
        new[] { "" },
        new object[] { "general", 5 },
        "general",
        true,
    };

    [Theory]
    [MemberData(nameof(InvalidRooms))]
    public async Task Rooms_claim_with_an_invalid_pattern_is_refused(object rooms)
    {
        var claims = Claims(Start);
        claims["rooms"] = rooms;

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    [Fact]
    public async Task Scope_claim_that_is_not_a_string_is_refused()
    {
        var claims = Claims(Start);
        claims["scope"] = new[] { "publish" };

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    [Fact]
    public async Task Payload_naming_a_claim_twice_is_refused()
    {
        var payload = """{"tenant":"acme","sub":"alice","iss":"parley-dev","aud":"parley","exp":1893499200,"tenant":"globex"}""";
        var signingInput = Encode(Header("HS256")) + "." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Sign(signingInput, Hmac(Secret))));
    }

    [Theory]
    [InlineData("alg", "HS256")]
    [InlineData("kid", "k1")]
    [InlineData("typ", "JWT")]
    public async Task Header_naming_a_member_twice_is_refused(string member, string value)
    {
        var header = $$"""{"alg":"HS256","typ":"JWT","kid":"k1","{{member}}":"{{value}}"}""";
        var signingInput = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Encode(Claims(Start));
        var options = new AuthOptions { DisableDevelopmentKey = true, HmacSecret = Secret };
        var verifier = new JwtTokenVerifier(options, null, null, _clock, NullLogger<JwtTokenVerifier>.Instance);
        var single = System.Buffers.Text.Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT","kid":"k1"}"""u8) + "." + Encode(Claims(Start));
        Assert.NotNull((await VerifyAsync(verifier, Sign(single, Hmac(Secret)))).Principal);

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, Sign(signingInput, Hmac(Secret))));
    }

    [Fact]
    public async Task Header_naming_alg_twice_with_different_values_is_refused()
    {
        var header = """{"alg":"RS256","alg":"HS256"}""";
        var signingInput = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Encode(Claims(Start));

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Sign(signingInput, Hmac(Secret))));
    }

    /// <summary>A valid token whose segments all have lengths base64url leaves unpadded and whose signature uses '-' or '_'.</summary>
    private static string MintWithRaggedSegments()
    {
        for (var i = 0; i < 10_000; i++)
        {
            var claims = Claims(Start);
            claims["sub"] = "alice-" + i;
            var token = Build(Header("HS256", kid: new string('k', 1 + (i % 3))), claims, Hmac(Secret));
            var parts = token.Split('.');
            if (parts.All(s => s.Length % 4 != 0) && parts[2].IndexOfAny(['-', '_']) >= 0)
            {
                return token;
            }
        }

        throw new InvalidOperationException("No such token among the candidates.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Segment_spelled_with_base64_padding_is_refused(int segment)
    {
        var token = MintWithRaggedSegments();
        var verifier = DevelopmentVerifier();
        Assert.NotNull((await VerifyAsync(verifier, token)).Principal);

        var parts = token.Split('.');
        parts[segment] += new string('=', 4 - (parts[segment].Length % 4));

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, string.Join('.', parts)));
    }

    [Fact]
    public async Task Signature_spelled_in_the_standard_base64_alphabet_is_refused()
    {
        var parts = MintWithRaggedSegments().Split('.');
        parts[2] = parts[2].Replace('-', '+').Replace('_', '/');

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), string.Join('.', parts)));
    }

    [Fact]
    public async Task Signature_whose_unused_trailing_bits_are_set_is_refused()
    {
        var token = MintWithRaggedSegments();
        var parts = token.Split('.');
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        // The last character of an unpadded segment carries 2 or 4 bits that encode nothing.
        parts[2] = parts[2][..^1] + Alphabet[Alphabet.IndexOf(parts[2][^1], StringComparison.Ordinal) | 1];
        Assert.NotEqual(token, string.Join('.', parts));

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), string.Join('.', parts)));
    }

    [Fact]
    public async Task Token_with_a_critical_header_extension_is_refused()
    {
        var header = Header("HS256");
        header["crit"] = new[] { "exp" };

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(header, Claims(Start), Hmac(Secret))));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("not a token")]
    [InlineData("a.b.c")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJ.eyJ.")]
    [InlineData("e30.e30.")]
    [InlineData("W10.W10.AAAA")]
    [InlineData("bnVsbA.bnVsbA.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.%%%.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnQiOiJhY21lIn0.!!!!")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA")]
    public async Task Garbage_is_refused_without_an_exception(string garbage)
    {
        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), garbage));
    }

    [Fact]
    public async Task Random_dotted_strings_are_refused_without_an_exception()
    {
        var verifier = DevelopmentVerifier();
        var random = new Random(1234);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            var text = System.Buffers.Text.Base64Url.EncodeToString(bytes);
            var token = string.Join('.', text.Chunk(Math.Max(1, text.Length / 3)).Select(c => new string(c)).Take(3));

            AssertRefused(TokenRefusal.Invalid, await VerifyAsync(verifier, token));
        }
    }

    [Fact]
    public async Task Token_of_100_KB_is_refused_without_an_exception()
    {
        var claims = Claims(Start);
        claims["padding"] = new string('x', 100 * 1024);

        AssertRefused(TokenRefusal.Invalid, await VerifyAsync(DevelopmentVerifier(), Build(Header("HS256"), claims, Hmac(Secret))));
    }

    [Fact]
    public void Verifier_without_any_key_refuses_to_start()
    {
        var options = new AuthOptions { DisableDevelopmentKey = true };

        Assert.Throws<InvalidOperationException>(() => new JwtTokenVerifier(options, null, null, _clock, NullLogger<JwtTokenVerifier>.Instance));
    }
}
