using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Auth;

/// <summary>
/// Mints HS256 tokens for development, offline, for <c>parley token</c>. The node itself never
/// mints: a client's tokens come from its tenant's backend.
/// </summary>
public static class DevelopmentTokenMinter
{
    /// <summary>
    /// A token for <paramref name="user"/> of <paramref name="tenant"/> valid from now for
    /// <paramref name="ttl"/>. Throws <see cref="ArgumentException"/> for an identifier, room
    /// pattern, scope or secret the verifier would refuse, so no minted token is dead on arrival.
    /// </summary>
    public static string Mint(
        string secret,
        AuthOptions auth,
        string tenant,
        string user,
        IReadOnlyList<string> rooms,
        IReadOnlyList<string> scopes,
        TimeSpan ttl,
        TimeProvider? clock = null)
    {
        CheckArguments(tenant, user, rooms, scopes, ttl);
        var key = VerificationKey.Hmac(secret).Key;
        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["tenant"] = tenant,
            [JwtRegisteredClaimNames.Sub] = user,
        };
        if (rooms.Count > 0)
        {
            claims["rooms"] = rooms.ToArray();
        }

        if (scopes.Count > 0)
        {
            claims["scope"] = string.Join(' ', scopes);
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + ttl,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Throws <see cref="ArgumentException"/> for what <see cref="Mint"/> would refuse, before any key is read.</summary>
    public static void CheckArguments(string tenant, string user, IReadOnlyList<string> rooms, IReadOnlyList<string> scopes, TimeSpan ttl)
    {
        // New tenants are named without ':' so configuration can name them; users never as an API key.
        if (!Identifiers.IsValidNewTenant(tenant))
        {
            throw new ArgumentException($"'{tenant}' is not a valid tenant id (identifier rules, no ':').", nameof(tenant));
        }

        if (!Identifiers.IsValidUser(user))
        {
            throw new ArgumentException($"'{user}' is not a valid user id (identifier rules, not beginning with '{Identifiers.ApiKeyPrefix}').", nameof(user));
        }

        if (!RoomPatterns.TryParse(rooms, out _))
        {
            throw new ArgumentException("Every room must be a room name, a prefix ending in '*', or '*'.", nameof(rooms));
        }

        if (scopes.Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException("Scopes must be non-empty and contain no whitespace.", nameof(scopes));
        }

        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentException("The lifetime must be positive.", nameof(ttl));
        }
    }
}
