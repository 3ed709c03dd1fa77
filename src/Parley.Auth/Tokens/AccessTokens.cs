using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Auth.Keys;
using Parley.Auth.Store;

namespace Parley.Auth.Tokens;

/// <summary>
/// Issues the access tokens Parley nodes verify, and verifies them for the service's own
/// endpoints. Claims: <c>tenant</c>, <c>sub</c>, <c>iss</c>, <c>aud</c>, <c>iat</c>, <c>nbf</c>,
/// <c>exp</c>, <c>jti</c>, <c>role</c> (read by this service only) and <c>rooms</c> when the user
/// has room patterns (absent means no room, only direct messages). No <c>scope</c>: user tokens do
/// not grant the HTTP publish or read API.
/// </summary>
internal sealed class AccessTokens
{
    /// <summary>Longest token read, in characters; the nodes apply the same bound.</summary>
    public const int MaxTokenLength = 8 * 1024;

    /// <summary>Tolerance when this service checks its own tokens' lifetime; its instances share one clock source.</summary>
    private static readonly TimeSpan OwnClockSkew = TimeSpan.FromSeconds(30);

    private readonly SigningKeyRing _keys;
    private readonly AuthServiceOptions _options;
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public AccessTokens(SigningKeyRing keys, IOptions<AuthServiceOptions> options, TimeProvider clock)
    {
        _keys = keys;
        _options = options.Value;
        _clock = clock;
    }

    /// <summary>A signed token for <paramref name="user"/>, valid from now for <see cref="AuthServiceOptions.AccessTokenLifetime"/>.</summary>
    public (string Token, DateTimeOffset Expires) Issue(UserRecord user)
    {
        // Whole seconds: NumericDate claims are seconds, so the reported expiry matches the claim.
        var now = DateTimeOffset.FromUnixTimeSeconds(_clock.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + _options.AccessTokenLifetime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["tenant"] = user.Tenant,
            [JwtRegisteredClaimNames.Sub] = user.Id,
            [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["role"] = StoredJson.Role(user.Role),
        };
        if (user.Rooms.Count > 0)
        {
            claims["rooms"] = user.Rooms.ToArray();
        }

        var key = _keys.Current;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key.SecurityKey, SecurityAlgorithms.EcdsaSha256),
        });
        return (token, expires);
    }

    /// <summary>
    /// The tenant, user and role of a token this service issued and that is valid now, or null.
    /// Only ES256 with a published key of this service is accepted.
    /// </summary>
    public async Task<AccessClaims?> ValidateAsync(string token)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireSignedTokens = true,
            IssuerSigningKeyResolver = (_, _, kid, _) => _keys.Find(kid) is { } key ? [key.SecurityKey] : [],
            ValidateIssuerSigningKey = false,
            // Lifetime is checked below against the service's clock, which tests may move.
            ValidateLifetime = false,
            RequireExpirationTime = true,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var now = _clock.GetUtcNow();
        if (now > new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + OwnClockSkew || now + OwnClockSkew < new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero))
        {
            return null;
        }

        if (!jwt.TryGetPayloadValue<string>("tenant", out var tenant) || !jwt.TryGetPayloadValue<string>("sub", out var user)
            || !jwt.TryGetPayloadValue<string>("role", out var role) || !Identifiers.IsValid(tenant) || !Identifiers.IsValid(user))
        {
            return null;
        }

        return new AccessClaims(tenant, user, role == "admin" ? UserRole.Admin : UserRole.Member);
    }
}

/// <summary>What the service reads from its own access tokens. The role is rechecked against the store before it grants anything.</summary>
internal sealed record AccessClaims(string Tenant, string User, UserRole Role);
