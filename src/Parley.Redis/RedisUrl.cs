using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Parley.Redis;

/// <summary>
/// Reads <c>redis://[user:password@]host[:port][/db]</c>. User and password are percent-decoded,
/// so a password holding <c>@</c>, <c>:</c> or <c>/</c> must be percent-encoded. Query strings
/// and fragments are refused rather than ignored, so a setting is never silently dropped.
/// </summary>
internal static class RedisUrl
{
    public static bool TryParse(string? url, [NotNullWhen(true)] out RedisConnectionOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        error = Check(url, out var uri);
        if (error is not null)
        {
            return false;
        }

        var (user, password) = Credentials(uri!.UserInfo);
        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database < 0))
        {
            error = $"The Redis URL path must be a database number, as in redis://host:6379/2; got '/{path}'.";
            return false;
        }

        options = new RedisConnectionOptions
        {
            Host = uri.IdnHost,
            Port = uri.Port == -1 ? RedisConnectionOptions.DefaultPort : uri.Port,
            User = user,
            Password = password,
            Database = database,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            options = null;
            error = string.Join(" ", problems);
            return false;
        }

        return true;
    }

    private static string? Check(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "The Redis URL is empty; expected redis://[user:password@]host[:port][/db].";
        }

        if (url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return "rediss:// asks for TLS, which Parley's Redis client does not support; use redis:// on a private network or through a TLS tunnel.";
        }

        if (!url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            return "The Redis URL must start with redis://, as in redis://localhost:6379.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Host.Length == 0)
        {
            return "The Redis URL is not a valid URL with a host, as in redis://localhost:6379; percent-encode '@', ':' and '/' in a password.";
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "The Redis URL must not have a query string or fragment; timeouts are set in configuration, not in the URL.";
        }

        return null;
    }

    private static (string? User, string? Password) Credentials(string userInfo)
    {
        if (userInfo.Length == 0)
        {
            return (null, null);
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            // redis://secret@host: a lone value is the password, as redis-cli reads it.
            return (null, Uri.UnescapeDataString(userInfo));
        }

        var user = Uri.UnescapeDataString(userInfo[..colon]);
        var password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        return (user.Length == 0 ? null : user, password.Length == 0 ? null : password);
    }
}
