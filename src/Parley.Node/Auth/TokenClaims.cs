using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Parley.Node.Tenancy;

namespace Parley.Node.Auth;

/// <summary>
/// The claims Parley reads from a verified token's payload, parsed strictly: each claim has one
/// JSON type, a name that appears twice makes the payload unreadable (so no two readers can
/// disagree on which value counts), and tenant and user follow the identifier rules. The user is
/// never in the API keys' namespace (<see cref="Identifiers.ApiKeyPrefix"/>), whoever signed the
/// token, so no token can speak as a tenant's backend.
/// </summary>
internal sealed record TokenClaims(
    string Tenant,
    string User,
    string Issuer,
    IReadOnlyList<string> Audiences,
    DateTimeOffset Expires,
    DateTimeOffset? NotBefore,
    RoomPatterns Rooms,
    IReadOnlySet<string> Scopes)
{
    /// <summary>Latest NumericDate accepted (the end of year 9999), so every date converts.</summary>
    private const double MaxNumericDate = 253_402_300_799;

    /// <summary>Reads a payload; false when it is not a JSON object with every required claim well formed.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out TokenClaims? claims)
    {
        claims = null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            return TryRead(document.RootElement, out claims);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with an escape that is not valid UTF-16.
            return false;
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out TokenClaims? claims)
    {
        claims = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        string? tenant = null, user = null, issuer = null;
        List<string>? audiences = null;
        DateTimeOffset? expires = null, notBefore = null;
        var rooms = RoomPatterns.None;
        IReadOnlySet<string> scopes = NoScopes;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in root.EnumerateObject())
        {
            if (!seen.Add(claim.Name))
            {
                return false;
            }

            var value = claim.Value;
            var ok = claim.Name switch
            {
                "tenant" => TryIdentifier(value, out tenant),
                "sub" => TryIdentifier(value, out user) && Identifiers.IsValidUser(user),
                "iss" => TryString(value, out issuer),
                "aud" => TryAudiences(value, out audiences),
                "exp" => TryNumericDate(value, out expires),
                "nbf" => TryNumericDate(value, out notBefore),
                "rooms" => TryStrings(value, out var patterns) && RoomPatterns.TryParse(patterns, out rooms),
                "scope" => TryScopes(value, out scopes),
                _ => true,
            };
            if (!ok)
            {
                return false;
            }
        }

        if (tenant is null || user is null || issuer is null || audiences is null || expires is null)
        {
            return false;
        }

        claims = new TokenClaims(tenant, user, issuer, audiences, expires.Value, notBefore, rooms, scopes);
        return true;
    }

    private static bool TryString(JsonElement value, [NotNullWhen(true)] out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return text is not null;
    }

    private static bool TryIdentifier(JsonElement value, [NotNullWhen(true)] out string? identifier) =>
        TryString(value, out identifier) && Identifiers.IsValid(identifier);

    private static bool TryStrings(JsonElement value, [NotNullWhen(true)] out List<string>? strings)
    {
        strings = null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (!TryString(item, out var text))
            {
                return false;
            }

            list.Add(text);
        }

        strings = list;
        return true;
    }

    /// <summary>RFC 7519 allows <c>aud</c> as one string or an array of strings.</summary>
    private static bool TryAudiences(JsonElement value, [NotNullWhen(true)] out List<string>? audiences)
    {
        if (TryString(value, out var single))
        {
            audiences = [single];
            return true;
        }

        return TryStrings(value, out audiences);
    }

    private static bool TryNumericDate(JsonElement value, [NotNullWhen(true)] out DateTimeOffset? date)
    {
        date = null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || seconds is < 0 or > MaxNumericDate)
        {
            return false;
        }

        date = DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
        return true;
    }

    /// <summary>Shared by every principal without scopes (most clients), so each holds no set of its own.</summary>
    private static readonly IReadOnlySet<string> NoScopes = System.Collections.Frozen.FrozenSet<string>.Empty;

    private static bool TryScopes(JsonElement value, out IReadOnlySet<string> scopes)
    {
        scopes = NoScopes;
        if (!TryString(value, out var text))
        {
            return false;
        }

        scopes = new HashSet<string>(text.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        return true;
    }
}
