using System.Globalization;
using StackExchange.Redis;

namespace Parley.Node.Options;

/// <summary>
/// Turns <c>Parley:Redis:Url</c> into the client's configuration. Two forms are accepted: a
/// StackExchange.Redis configuration string (<c>host1:6379,host2:6379,ssl=true,user=…,password=…,serviceName=…</c>:
/// several endpoints, TLS, ACL users, Sentinel, a Redis Cluster), or the URL form
/// <c>redis[s]://[user:password@]host[:port][/db]</c> for one server (<c>rediss://</c> is TLS).
/// <para>
/// Parley's defaults go first and anything the string says wins over them: connect within 5 s,
/// time a command out after 5 s. Two policies are not the string's to change, because the node's
/// failure behaviour rests on them: a command issued while Redis is unreachable fails at once
/// (<see cref="BacklogPolicy.FailFast"/>: nothing queues, so no backlog can grow during an
/// outage), and the first connect must succeed for the node to start (afterwards the client
/// reconnects by itself, waiting from 100 ms up to 5 s between attempts).
/// </para>
/// </summary>
internal static class RedisConfiguration
{
    /// <summary>Bounds each connect attempt: long enough for a loaded server, short enough to fail a start quickly.</summary>
    public const int DefaultConnectTimeoutMs = 5000;

    /// <summary>How long a command waits for its reply before it fails with a timeout; the connection stays up.</summary>
    public const int DefaultCommandTimeoutMs = 5000;

    /// <summary>First wait before reconnecting: most breaks are a restart or failover that is over quickly.</summary>
    public const int ReconnectMinDelayMs = 100;

    /// <summary>The wait grows up to this, so a long outage costs an attempt every few seconds, not a storm.</summary>
    public const int ReconnectMaxDelayMs = 5000;

    private static readonly string Defaults = string.Create(
        CultureInfo.InvariantCulture,
        $"connectTimeout={DefaultConnectTimeoutMs},syncTimeout={DefaultCommandTimeoutMs},asyncTimeout={DefaultCommandTimeoutMs},connectRetry=1");

    /// <summary>The configuration <paramref name="value"/> describes, or throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ConfigurationOptions Parse(string value) =>
        TryParse(value, out var options, out var error) ? options : throw new FormatException(error);

    public static bool TryParse(
        string value,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConfigurationOptions? options,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        options = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "Redis configuration must not be empty.";
            return false;
        }

        try
        {
            if (value.Contains("://", StringComparison.Ordinal))
            {
                if (!TryParseUrl(value, out options, out var urlError))
                {
                    error = urlError;
                    return false;
                }
            }
            else
            {
                options = ConfigurationOptions.Parse(Defaults + "," + value);
            }
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }

        if (options.EndPoints.Count == 0)
        {
            error = "Redis configuration names no endpoint (host:port).";
            options = null;
            return false;
        }

        if (options.User is not null && options.Password is null)
        {
            error = "A Redis ACL user needs a password.";
            options = null;
            return false;
        }

        ApplyPolicies(options);
        error = null;
        return true;
    }

    /// <summary>The configuration with any password hidden, safe for logs and errors.</summary>
    public static string Describe(ConfigurationOptions options) => options.ToString(includePassword: false);

    private static void ApplyPolicies(ConfigurationOptions options)
    {
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.AbortOnConnectFail = true;
        options.ReconnectRetryPolicy = new ExponentialRetry(ReconnectMinDelayMs, ReconnectMaxDelayMs);
    }

    /// <summary><c>redis[s]://[user:password@]host[:port][/db]</c>; a user part without ':' is the password alone.</summary>
    private static bool TryParseUrl(
        string url,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConfigurationOptions? options,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        options = null;
        var tls = url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        if (!tls && !url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            error = "A Redis URL must start with redis:// or rediss://; anything else is read as a configuration string (host:port,…).";
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = "The Redis URL is not a valid URL with a host.";
            return false;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            error = "The Redis URL takes no query string or fragment; use the configuration string form for other settings.";
            return false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database < 0))
        {
            error = $"The Redis URL's path must be a database number, not '{path}'.";
            return false;
        }

        options = ConfigurationOptions.Parse(Defaults);
        var port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        options.EndPoints.Add(uri.Host.Trim('[', ']'), port);
        options.DefaultDatabase = database;
        options.Ssl = tls;
        if (tls)
        {
            options.SslHost = uri.Host.Trim('[', ']');
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[..colon]);
            var password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            options.User = user.Length > 0 ? user : null;
            options.Password = password.Length > 0 ? password : null;
        }

        error = null;
        return true;
    }
}
