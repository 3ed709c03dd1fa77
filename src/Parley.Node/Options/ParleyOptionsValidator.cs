using Microsoft.Extensions.Options;

namespace Parley.Node.Options;

/// <summary>Checks every option at start; the node refuses to start with the full list of problems.</summary>
/// <param name="parleySection">
/// The <c>Parley</c> configuration section the options were bound from, when there is one: binding
/// drops what it cannot place, so per-tenant overrides are also checked against the raw keys, and
/// one the node cannot apply (a misspelt setting, or a tenant id with ':' split into two levels) is
/// refused instead of silently ignored.
/// </param>
public sealed class ParleyOptionsValidator(IConfiguration? parleySection = null) : IValidateOptions<ParleyOptions>
{
    public ValidateOptionsResult Validate(string? name, ParleyOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(options.NodeId.Length == 0 || Identifiers.IsValid(options.NodeId), "Parley:NodeId must follow the identifier rules.");
        Require(!string.IsNullOrWhiteSpace(options.DataDirectory), "Parley:DataDirectory must not be empty.");

        var auth = options.Auth;
        Require(!string.IsNullOrWhiteSpace(auth.Issuer), "Parley:Auth:Issuer must not be empty.");
        Require(!string.IsNullOrWhiteSpace(auth.Audience), "Parley:Auth:Audience must not be empty.");
        Require(auth.HmacSecret.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(auth.HmacSecret) >= 32, "Parley:Auth:HmacSecret must be at least 32 bytes.");
        Require(!auth.DisableDevelopmentKey || auth.HmacSecret.Length > 0 || auth.PublicKeys.Count > 0 || auth.JwksUrl.Length > 0,
            "Parley:Auth needs HmacSecret, PublicKeys or JwksUrl when DisableDevelopmentKey is true.");
        // The scheme is checked too: on Unix a rooted path such as "/etc/jwks.json" parses as an absolute file URI.
        Require(auth.JwksUrl.Length == 0 || (Uri.TryCreate(auth.JwksUrl, UriKind.Absolute, out var jwks) && (jwks.Scheme == Uri.UriSchemeHttps || jwks.Scheme == Uri.UriSchemeHttp)),
            "Parley:Auth:JwksUrl must be an absolute URL.");
        Require(auth.JwksRefreshInterval > TimeSpan.Zero && auth.JwksMinimumRefetchInterval > TimeSpan.Zero, "Parley:Auth JWKS intervals must be positive.");
        Require(auth.ClockSkew >= TimeSpan.Zero && auth.ClockSkew <= TimeSpan.FromMinutes(5), "Parley:Auth:ClockSkew must be between 0 and 5 minutes.");
        foreach (var key in auth.PublicKeys)
        {
            Require(key.Algorithm is "ES256" or "RS256", $"Parley:Auth:PublicKeys '{key.KeyId}': Algorithm must be ES256 or RS256.");
            Require(key.Pem.Contains("BEGIN PUBLIC KEY", StringComparison.Ordinal), $"Parley:Auth:PublicKeys '{key.KeyId}': Pem must hold a PEM public key.");
        }

        Require(WebOptions.IsValidAuthUrl(options.Web.AuthUrl), "Parley:Web:AuthUrl must be empty, a path beginning with '/', or an absolute http(s) URL.");
        Require(options.Web.StatsInterval >= TimeSpan.FromSeconds(1) && options.Web.StatsInterval <= TimeSpan.FromMinutes(1), "Parley:Web:StatsInterval must be between 1 s and 1 minute.");

        var limits = options.Limits;
        Require(limits.MaxFrameBytes is >= 1024 and <= 16 * 1024 * 1024, "Parley:Limits:MaxFrameBytes must be between 1 KiB and 16 MiB.");
        Require(limits.MaxMessageBytes > 0 && limits.MaxMessageBytes < limits.MaxFrameBytes, "Parley:Limits:MaxMessageBytes must be positive and below MaxFrameBytes.");
        Require(limits.PublishesPerSecond > 0, "Parley:Limits:PublishesPerSecond must be positive.");
        Require(limits.PublishBurst >= 1, "Parley:Limits:PublishBurst must be at least 1.");
        Require(limits.TenantPublishesPerSecond >= 0, "Parley:Limits:TenantPublishesPerSecond must not be negative.");
        Require(limits.RoomsPerConnection >= 1, "Parley:Limits:RoomsPerConnection must be at least 1.");
        Require(limits.ConnectionsPerUser >= 0 && limits.ConnectionsPerTenant >= 0, "Parley:Limits connection limits must not be negative.");
        Require(limits.OnlineUsersPerTenant >= 0, "Parley:Limits:OnlineUsersPerTenant must not be negative.");
        Require(limits.NewConnectionsPerSecond >= 0 && limits.NewConnectionsBurst >= 1, "Parley:Limits:NewConnectionsPerSecond must not be negative and NewConnectionsBurst at least 1.");
        Require(limits.OutboundQueueFrames >= 16, "Parley:Limits:OutboundQueueFrames must be at least 16.");
        Require(limits.MaxHistoryPageBytes >= limits.MaxMessageBytes, "Parley:Limits:MaxHistoryPageBytes must be at least MaxMessageBytes.");
        Require(limits.OutboundQueueBytes >= 2L * limits.MaxHistoryPageBytes, "Parley:Limits:OutboundQueueBytes must be at least twice MaxHistoryPageBytes.");
        Require(limits.MaxConnections >= 0, "Parley:Limits:MaxConnections must be 0 (automatic) or positive.");
        Require(limits.RequestHeadTimeout > TimeSpan.Zero && limits.RequestHeadTimeout <= TimeSpan.FromMinutes(5), "Parley:Limits:RequestHeadTimeout must be between 0 and 5 minutes.");
        Require(limits.MemoryLimitBytes == 0 || limits.MemoryLimitBytes >= 64L * 1024 * 1024, "Parley:Limits:MemoryLimitBytes must be 0 (automatic) or at least 64 MiB.");
        Require(limits.JoinsPerSecond > 0, "Parley:Limits:JoinsPerSecond must be positive.");
        Require(limits.JoinBurst >= 1, "Parley:Limits:JoinBurst must be at least 1.");
        Require(limits.ConnectTimeout > TimeSpan.Zero, "Parley:Limits:ConnectTimeout must be positive.");
        Require(limits.PingInterval > TimeSpan.Zero, "Parley:Limits:PingInterval must be positive.");
        Require(limits.IdleTimeout > limits.PingInterval, "Parley:Limits:IdleTimeout must be longer than PingInterval.");
        Require(limits.MaxHttpPublishBytes >= limits.MaxMessageBytes, "Parley:Limits:MaxHttpPublishBytes must be at least MaxMessageBytes.");
        foreach (var (tenant, o) in limits.Tenants)
        {
            Require(Identifiers.IsValid(tenant), $"Parley:Limits:Tenants: '{tenant}' is not a valid tenant id.");
            Require(o.MaxMessageBytes is null || (o.MaxMessageBytes > 0 && o.MaxMessageBytes < limits.MaxFrameBytes), $"Parley:Limits:Tenants:{tenant}:MaxMessageBytes must be positive and below MaxFrameBytes.");
            Require(o.PublishesPerSecond is null or > 0, $"Parley:Limits:Tenants:{tenant}:PublishesPerSecond must be positive.");
            Require(o.TenantPublishesPerSecond is null or >= 0, $"Parley:Limits:Tenants:{tenant}:TenantPublishesPerSecond must not be negative.");
            Require(o.RoomsPerConnection is null or >= 1, $"Parley:Limits:Tenants:{tenant}:RoomsPerConnection must be at least 1.");
            Require(o.ConnectionsPerUser is null or >= 0 && o.ConnectionsPerTenant is null or >= 0, $"Parley:Limits:Tenants:{tenant} connection limits must not be negative.");
            Require(o.OnlineUsersPerTenant is null or >= 0, $"Parley:Limits:Tenants:{tenant}:OnlineUsersPerTenant must not be negative.");
        }

        var store = options.Store;
        Require(store.BatchWindow >= TimeSpan.Zero && store.BatchWindow <= TimeSpan.FromMilliseconds(100), "Parley:Store:BatchWindow must be between 0 and 100 ms.");
        Require(store.MaxBatchSize is >= 1 and <= 10_000, "Parley:Store:MaxBatchSize must be between 1 and 10000.");
        Require(store.CommitTimeout > TimeSpan.Zero, "Parley:Store:CommitTimeout must be positive.");
        Require(store.StreamLinger >= TimeSpan.Zero, "Parley:Store:StreamLinger must be zero or positive.");

        var postgres = options.Postgres;
        Require(postgres.ConnectionStringParses(), "Parley:Postgres:ConnectionString is not a valid connection string.");
        Require(postgres.AutoPrepareStatements >= 0, "Parley:Postgres:AutoPrepareStatements must be 0 (off) or more.");
        Require(postgres.MaxPoolSize >= 1 && postgres.MinPoolSize >= 0 && postgres.MinPoolSize <= postgres.MaxPoolSize, "Parley:Postgres:MaxPoolSize must be at least 1 and MinPoolSize between 0 and MaxPoolSize.");
        Require(postgres.AcquireTimeout > TimeSpan.Zero && postgres.CommandTimeout > TimeSpan.Zero && postgres.ConnectionIdleLifetime > TimeSpan.Zero, "Parley:Postgres timeouts and ConnectionIdleLifetime must be positive.");
        Require(postgres.ConnectionLifetime >= TimeSpan.Zero, "Parley:Postgres:ConnectionLifetime must not be negative.");

        var redis = options.Redis;
        Require(redis.Url.Length > 0 == postgres.IsConfigured,
            "Parley:Redis:Url and Parley:Postgres:ConnectionString go together: set both for cluster mode, neither for embedded mode.");
        if (redis.Url.Length > 0 && !RedisConfiguration.TryParse(redis.Url, out _, out var redisError))
        {
            errors.Add("Parley:Redis:Url: " + redisError);
        }

        Require(redis.KeyPrefix.Length <= 64 && !redis.KeyPrefix.Any(c => char.IsWhiteSpace(c) || c is '{' or '}'),
            "Parley:Redis:KeyPrefix must be at most 64 characters without white space or braces (Parley's keys use braces as Redis Cluster hash tags).");
        BrokerOptionsValidator.Validate(options, errors);
        Require(options.Cluster.HeadCheckInterval > TimeSpan.Zero, "Parley:Cluster:HeadCheckInterval must be positive.");
        Require(options.Cluster.TopicLinger >= TimeSpan.Zero, "Parley:Cluster:TopicLinger must be zero or positive.");
        Require(options.Cluster.GapWait > TimeSpan.Zero && options.Cluster.GapWait < options.Cluster.HeadCheckInterval,
            "Parley:Cluster:GapWait must be positive and shorter than HeadCheckInterval.");

        var directory = options.Directory;
        Require(directory.Url.Length == 0 || (Uri.TryCreate(directory.Url, UriKind.Absolute, out var directoryUri) && directoryUri.Scheme is "http" or "https"),
            "Parley:Directory:Url must be an http or https URL.");
        Require(directory.Url.Length == 0 || directory.Token.Length > 0, "Parley:Directory:Token is required with Parley:Directory:Url.");
        Require(directory.RefreshInterval > TimeSpan.Zero, "Parley:Directory:RefreshInterval must be positive.");

        var retention = options.Retention;
        Require(retention.MaxMessagesPerStream >= 0, "Parley:Retention:MaxMessagesPerStream must not be negative.");
        Require(retention.MaxAge >= TimeSpan.Zero, "Parley:Retention:MaxAge must not be negative.");
        Require(retention.TrimInterval > TimeSpan.Zero, "Parley:Retention:TrimInterval must be positive.");
        foreach (var tenant in retention.Tenants.Keys)
        {
            Require(Identifiers.IsValid(tenant), $"Parley:Retention:Tenants: '{tenant}' is not a valid tenant id.");
        }

        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Rooms.Policies.Count; i++)
        {
            var policy = options.Rooms.Policies[i];
            var at = $"Parley:Rooms:Policies:{i}";
            Require(Identifiers.IsValid(policy.Prefix), $"{at}:Prefix '{policy.Prefix}' must follow the identifier rules (ASCII letters, digits, '_', '-', '.', ':'; a letter or digit first; 1 to 64 characters).");
            Require(policy.Prefix.Length == 0 || prefixes.Add(policy.Prefix), $"{at}:Prefix '{policy.Prefix}' is already the prefix of an earlier policy; each prefix may have one policy.");
            Require(policy.MaxMessagesPerStream is null or >= 0, $"{at}:MaxMessagesPerStream must not be negative.");
            Require(policy.MaxAge is null || policy.MaxAge >= TimeSpan.Zero, $"{at}:MaxAge must not be negative.");
            Require(!policy.Ephemeral || (policy.MaxMessagesPerStream is null && policy.MaxAge is null),
                $"{at}: an ephemeral policy keeps no history, so MaxMessagesPerStream and MaxAge cannot be set.");
        }

        if (parleySection is not null)
        {
            errors.AddRange(UnappliedTenantOverrides(parleySection, "Limits:Tenants", typeof(TenantLimitOverrides)));
            errors.AddRange(UnappliedTenantOverrides(parleySection, "Retention:Tenants", typeof(TenantRetentionOverrides)));
        }

        Require(options.Presence.Ttl > TimeSpan.Zero, "Parley:Presence:Ttl must be positive.");
        Require(options.Presence.HeartbeatInterval > TimeSpan.Zero && options.Presence.HeartbeatInterval * 2 <= options.Presence.Ttl,
            "Parley:Presence:HeartbeatInterval must be positive and at most half of Ttl.");
        Require(options.Drain.Window >= TimeSpan.Zero && options.Drain.FlushTimeout >= TimeSpan.Zero, "Parley:Drain durations must not be negative.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Every key under <c>{path}:{tenant}</c> that is not a setting of <paramref name="overrides"/>
    /// (matched without regard to case, as the binder does). ':' is the configuration path
    /// separator, so an override for a tenant id containing one arrives here as an unknown level.
    /// </summary>
    private static IEnumerable<string> UnappliedTenantOverrides(IConfiguration parley, string path, Type overrides)
    {
        var settings = overrides.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var tenant in parley.GetSection(path).GetChildren())
        {
            foreach (var setting in tenant.GetChildren())
            {
                if (settings.Contains(setting.Key) && !setting.GetChildren().Any())
                {
                    continue;
                }

                foreach (var leaf in setting.AsEnumerable().Where(e => e.Value is not null).Select(e => e.Key).Order(StringComparer.Ordinal))
                {
                    yield return $"{leaf} cannot be applied: '{setting.Key}' is not a per-tenant setting (a tenant id containing ':' cannot be named in configuration; set such a tenant's quotas in the auth service).";
                }
            }
        }
    }
}
