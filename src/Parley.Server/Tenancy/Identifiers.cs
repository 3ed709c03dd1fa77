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
}
