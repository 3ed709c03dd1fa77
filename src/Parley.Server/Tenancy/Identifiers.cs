namespace Parley.Server.Tenancy;

/// <summary>
/// The one character set and length limit for every identifier a client or token may name:
/// tenants, rooms, users and client message ids. Internal names are built from validated
/// identifiers only, so no input can contain the separator ('/') that scopes them to a tenant.
/// </summary>
public static class Identifiers
{
    /// <summary>Longest identifier accepted; long enough for UUIDs and prefixed names.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// How every API key's id begins (the auth service issues <c>ak-</c> and 12 hex digits). A
    /// key's messages are sent as its id, so the prefix is the API keys' own namespace: no user
    /// id may begin with it, in any letter case, whoever signed the token.
    /// </summary>
    public const string ApiKeyPrefix = "ak-";

    /// <summary>
    /// ASCII letters and digits, plus '_', '-', '.', ':' after the first character. ASCII only,
    /// so Unicode look-alikes and normalisation forms can never alias two names.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > MaxLength || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.' or ':'))
            {
                return false;
            }
        }

        // ".." is refused so that no name ever reads like a path step in logs or URLs.
        return !value.Contains("..", StringComparison.Ordinal);
    }

    /// <summary>A user id: an identifier outside the API keys' namespace (<see cref="ApiKeyPrefix"/>, any letter case, so no look-alike either).</summary>
    public static bool IsValidUser(ReadOnlySpan<char> value) =>
        IsValid(value) && !value.StartsWith(ApiKeyPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>An API key's id as nodes accept it from the tenant directory: an identifier that begins with exactly <see cref="ApiKeyPrefix"/>.</summary>
    public static bool IsApiKeyId(ReadOnlySpan<char> value) =>
        IsValid(value) && value.StartsWith(ApiKeyPrefix, StringComparison.Ordinal);

    /// <summary>
    /// A tenant id that may be created from now on: an identifier without ':', which is the
    /// configuration path separator, so that <c>Limits:Tenants:{tenant}</c> and
    /// <c>Retention:Tenants:{tenant}</c> can name every new tenant. Tenants created earlier with
    /// a ':' still verify (<see cref="IsValid"/>); their quotas come from the tenant directory.
    /// </summary>
    public static bool IsValidNewTenant(ReadOnlySpan<char> value) =>
        IsValid(value) && !value.Contains(':');
}
