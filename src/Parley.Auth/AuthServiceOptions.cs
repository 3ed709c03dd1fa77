namespace Parley.Auth;

/// <summary>
/// Everything the auth service is configured with, bound from the <c>ParleyAuth</c> section
/// (appsettings.json, environment variables such as <c>ParleyAuth__OperatorToken</c>, or the
/// command line). Every default is stated where it is declared; <see cref="AuthServiceOptionsValidator"/>
/// checks all of them at start, so a bad setting stops the service before it opens its store.
/// </summary>
public sealed class AuthServiceOptions
{
    public const string Section = "ParleyAuth";

    /// <summary>The <c>iss</c> of every token issued; nodes set <c>Parley:Auth:Issuer</c> to the same. Default "parley-auth".</summary>
    public string Issuer { get; set; } = "parley-auth";

    /// <summary>The <c>aud</c> of every token issued; nodes set <c>Parley:Auth:Audience</c> to the same. Default "parley", the nodes' default.</summary>
    public string Audience { get; set; } = "parley";

    /// <summary>Lifetime of an access token. Default 15 minutes: short, because a node cannot revoke one it has verified.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Lifetime of each refresh token from its issue (every rotation issues a new one). Default 30 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A new signing key is created when the newest is older than this. Default 30 days.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a new key is published in the JWKS before it signs anything. Default 15 minutes:
    /// longer than the nodes' <c>Parley:Auth:JwksRefreshInterval</c> (10 minutes), so every node
    /// already holds the key when the first token it signed arrives.
    /// </summary>
    public TimeSpan KeyPublicationDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Extra time a retired key stays in the JWKS after the last token it signed has expired.
    /// Default 2 minutes: covers the nodes' clock skew allowance (30 s) and another instance of the
    /// auth service that has not yet reloaded the keys (<see cref="MaintenanceInterval"/>).
    /// </summary>
    public TimeSpan RetiredKeyGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often keys are reloaded and rotated when due, and expired refresh tokens and keys deleted. Default 1 minute.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The operator's credential for the tenant endpoints, sent as <c>Authorization: Bearer</c>.
    /// Required, at least 32 characters; compared in constant time. No default: the service does not start without it.
    /// </summary>
    public string OperatorToken { get; set; } = "";

    /// <summary>Where the SQLite file <c>auth.db</c> lives when <see cref="PostgresConnectionString"/> is empty. Default "data".</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>An Npgsql connection string; empty (the default) keeps everything in SQLite in <see cref="DataDirectory"/>.</summary>
    public string PostgresConnectionString { get; set; } = "";

    public LoginRateLimitOptions LoginRateLimit { get; set; } = new();

    public PasswordRuleOptions Passwords { get; set; } = new();

    /// <summary>The SQLite file of embedded deployments.</summary>
    public string SqlitePath => Path.Combine(DataDirectory, "auth.db");
}

/// <summary>
/// Login attempts allowed per minute, as token buckets that refill evenly over the minute: a full
/// bucket allows that many attempts at once. Registration counts against the address limit too.
/// </summary>
public sealed class LoginRateLimitOptions
{
    /// <summary>Attempts per minute for one (tenant, user), whatever the outcome. Default 5: slows password guessing to a crawl without locking the user out.</summary>
    public int PerUserPerMinute { get; set; } = 5;

    /// <summary>Attempts per minute from one client address. Default 30: room for a few users behind one NAT, too few to spray passwords across users.</summary>
    public int PerAddressPerMinute { get; set; } = 30;
}

/// <summary>What a password must be to be accepted (hashing is the framework's versioned PBKDF2).</summary>
public sealed class PasswordRuleOptions
{
    /// <summary>Fewest characters in a password. Default 10.</summary>
    public int MinimumLength { get; set; } = 10;

    /// <summary>Most characters in a password. Default 1024: bounds the work one hashing request can cause.</summary>
    public int MaximumLength { get; set; } = 1024;
}
