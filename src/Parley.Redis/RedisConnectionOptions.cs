namespace Parley.Redis;

/// <summary>
/// Where and how to reach Redis. Build one from a URL with <see cref="Parse"/> and adjust the
/// timings with <c>with</c>; <see cref="Validate"/> lists every problem at once.
/// </summary>
public sealed record RedisConnectionOptions
{
    public const int DefaultPort = 6379;

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name; null authenticates with the password alone (the <c>default</c> user).</summary>
    public string? User { get; init; }

    /// <summary>Null sends no AUTH.</summary>
    public string? Password { get; init; }

    /// <summary>Selected on every (re)connect; 0 is Redis's default database.</summary>
    public int Database { get; init; }

    /// <summary>Bounds TCP connect plus the AUTH/SELECT/PING handshake; long enough for a loaded server, short enough to fail a start quickly.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command waits for its reply before its task fails with <see cref="RedisTimeoutException"/>.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting; short, because most breaks are a restart or failover that is over quickly.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The wait doubles after each failed attempt up to this, so a long outage costs a retry every few seconds, not a storm.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>"host:port", for messages; never includes the credentials.</summary>
    public string EndPoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses <c>redis://[user:password@]host[:port][/db]</c>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static RedisConnectionOptions Parse(string url) =>
        RedisUrl.TryParse(url, out var options, out var error) ? options : throw new FormatException(error);

    public static bool TryParse(string url, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RedisConnectionOptions? options, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error) =>
        RedisUrl.TryParse(url, out options, out error);

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(!string.IsNullOrWhiteSpace(Host), "Redis host must not be empty.");
        Require(Port is > 0 and <= 65535, $"Redis port must be between 1 and 65535, not {Port}.");
        Require(Database >= 0, $"Redis database must not be negative, not {Database}.");
        Require(User is null || Password is not null, "A Redis ACL user needs a password.");
        Require(ConnectTimeout > TimeSpan.Zero, "Redis ConnectTimeout must be positive.");
        Require(CommandTimeout > TimeSpan.Zero, "Redis CommandTimeout must be positive.");
        Require(ReconnectMinDelay > TimeSpan.Zero, "Redis ReconnectMinDelay must be positive.");
        Require(ReconnectMaxDelay >= ReconnectMinDelay, "Redis ReconnectMaxDelay must be at least ReconnectMinDelay.");
        return errors;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), "options");
        }
    }

    /// <summary>The URL form with the password hidden, safe for logs.</summary>
    public override string ToString()
    {
        var credentials = (User, Password) switch
        {
            (null, null) => "",
            (null, _) => ":***@",
            _ => $"{Uri.EscapeDataString(User)}:***@",
        };
        return $"redis://{credentials}{EndPoint}/{Database}";
    }
}
