namespace Parley.Common;

/// <summary>
/// The one character set and length limit for every identifier a client or token may name:
/// tenants, rooms, users, API keys and client message ids. This is the only definition: Parley
/// nodes check every claim and frame with it and the auth service applies it before anything is
/// stored, so every token the service issues carries
/// claims a node accepts. Internal names are built from validated identifiers only, so no input
/// can contain the separator ('/') that scopes them to a tenant.
/// </summary>
public static class Identifiers
{
    /// <summary>Longest identifier accepted; long enough for UUIDs and prefixed names.</summary>
    public const int MaxLength = 64;

    /// <summary>Most room patterns one user may hold; a token stays far below the nodes' 8 KiB limit.</summary>
    public const int MaxRoomPatterns = 64;

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

    /// <summary>The rules for a value that may be missing: <c>null</c> is never valid.</summary>
    public static bool IsValid(string? value) => value is not null && IsValid(value.AsSpan());

    /// <summary>A user id: an identifier outside the API keys' namespace (<see cref="ApiKeyPrefix"/>, any letter case, so no look-alike either).</summary>
    public static bool IsValidUser(ReadOnlySpan<char> value) =>
        IsValid(value) && !value.StartsWith(ApiKeyPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary><see cref="IsValidUser(ReadOnlySpan{char})"/> for a value that may be missing.</summary>
    public static bool IsValidUser(string? value) => value is not null && IsValidUser(value.AsSpan());

    /// <summary>An API key's id as nodes accept it from the tenant directory: an identifier that begins with exactly <see cref="ApiKeyPrefix"/>.</summary>
    public static bool IsApiKeyId(ReadOnlySpan<char> value) =>
        IsValid(value) && value.StartsWith(ApiKeyPrefix, StringComparison.Ordinal);

    /// <summary>
    /// A tenant id that may be created from now on: an identifier without ':', which is the
    /// nodes' configuration path separator, so that <c>Limits:Tenants:{tenant}</c> and
    /// <c>Retention:Tenants:{tenant}</c> can name every new tenant. Tenants created earlier with
    /// a ':' still verify (<see cref="IsValid(ReadOnlySpan{char})"/>); their quotas come from the
    /// tenant directory.
    /// </summary>
    public static bool IsValidNewTenant(ReadOnlySpan<char> value) =>
        IsValid(value) && !value.Contains(':');

    /// <summary><see cref="IsValidNewTenant(ReadOnlySpan{char})"/> for a value that may be missing.</summary>
    public static bool IsValidNewTenant(string? value) => value is not null && IsValidNewTenant(value.AsSpan());

    /// <summary>Room patterns as nodes read the <c>rooms</c> claim: an exact name, a prefix ending in '*', or '*'.</summary>
    public static bool AreValidRoomPatterns(IReadOnlyCollection<string?> patterns) =>
        patterns.Count <= MaxRoomPatterns && patterns.All(p => p is not null && (p == "*" || IsValid(p.EndsWith('*') ? p[..^1] : p)));
}
