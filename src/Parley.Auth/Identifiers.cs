namespace Parley.Auth;

/// <summary>
/// The identifier rules of Parley nodes (<c>Parley.Server.Tenancy.Identifiers</c>), applied to
/// tenant ids, user ids and room patterns before anything is stored, so every token the service
/// issues carries claims a node accepts. The rules must stay the same on both sides; a test holds
/// them together.
/// </summary>
internal static class Identifiers
{
    public const int MaxLength = 64;

    /// <summary>Most room patterns one user may hold; a token stays far below the nodes' 8 KiB limit.</summary>
    public const int MaxRoomPatterns = 64;

    /// <summary>How every API key id begins; user ids may not (in any letter case), so no user can speak as a key.</summary>
    public const string ApiKeyPrefix = "ak-";

    /// <summary>ASCII letters and digits, plus '_', '-', '.', ':' after the first character; no "..".</summary>
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

        return !value.Contains("..", StringComparison.Ordinal);
    }

    public static bool IsValid(string? value) => value is not null && IsValid(value.AsSpan());

    /// <summary>A user id: an identifier outside the API keys' namespace.</summary>
    public static bool IsValidUser(string? value) =>
        IsValid(value) && !value!.StartsWith(ApiKeyPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>A tenant id that may be created: an identifier without ':', the nodes' configuration path separator.</summary>
    public static bool IsValidNewTenant(string? value) => IsValid(value) && !value!.Contains(':', StringComparison.Ordinal);

    /// <summary>Room patterns as nodes read the <c>rooms</c> claim: an exact name, a prefix ending in '*', or '*'.</summary>
    public static bool AreValidRoomPatterns(IReadOnlyCollection<string?> patterns) =>
        patterns.Count <= MaxRoomPatterns && patterns.All(p => p is not null && (p == "*" || IsValid(p.EndsWith('*') ? p[..^1] : p)));
}
