using Microsoft.Extensions.Configuration;
using Parley.Node.Options;

namespace Parley.Tests.Options;

public sealed class ParleyOptionsValidatorTests
{
    private const string Pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";

    /// <summary>One bad setting each, and the message that names it.</summary>
    public static TheoryData<string, string> BadSettings { get; } = new()
    {
        { "node id with a slash", "Parley:NodeId must follow the identifier rules." },
        { "zero gap wait", "Parley:Cluster:GapWait must be positive and shorter than HeadCheckInterval." },
        { "gap wait as long as the head check", "Parley:Cluster:GapWait must be positive and shorter than HeadCheckInterval." },
        { "empty data directory", "Parley:DataDirectory must not be empty." },
        { "blank issuer", "Parley:Auth:Issuer must not be empty." },
        { "empty audience", "Parley:Auth:Audience must not be empty." },
        { "short hmac secret", "Parley:Auth:HmacSecret must be at least 32 bytes." },
        { "no key without the development key", "Parley:Auth needs HmacSecret, PublicKeys or JwksUrl when DisableDevelopmentKey is true." },
        { "relative jwks url", "Parley:Auth:JwksUrl must be an absolute URL." },
        { "rooted path as jwks url", "Parley:Auth:JwksUrl must be an absolute URL." },
        { "file jwks url", "Parley:Auth:JwksUrl must be an absolute URL." },
        { "zero jwks refresh", "Parley:Auth JWKS intervals must be positive." },
        { "negative jwks refetch", "Parley:Auth JWKS intervals must be positive." },
        { "negative clock skew", "Parley:Auth:ClockSkew must be between 0 and 5 minutes." },
        { "huge clock skew", "Parley:Auth:ClockSkew must be between 0 and 5 minutes." },
        { "hs256 public key", "Parley:Auth:PublicKeys 'k1': Algorithm must be ES256 or RS256." },
        { "public key without pem", "Parley:Auth:PublicKeys 'k1': Pem must hold a PEM public key." },
        { "tiny max frame", "Parley:Limits:MaxFrameBytes must be between 1 KiB and 16 MiB." },
        { "huge max frame", "Parley:Limits:MaxFrameBytes must be between 1 KiB and 16 MiB." },
        { "zero max message", "Parley:Limits:MaxMessageBytes must be positive and below MaxFrameBytes." },
        { "max message as large as a frame", "Parley:Limits:MaxMessageBytes must be positive and below MaxFrameBytes." },
        { "zero publish rate", "Parley:Limits:PublishesPerSecond must be positive." },
        { "nan publish rate", "Parley:Limits:PublishesPerSecond must be positive." },
        { "zero publish burst", "Parley:Limits:PublishBurst must be at least 1." },
        { "negative tenant publish rate", "Parley:Limits:TenantPublishesPerSecond must not be negative." },
        { "zero rooms per connection", "Parley:Limits:RoomsPerConnection must be at least 1." },
        { "negative connections per user", "Parley:Limits connection limits must not be negative." },
        { "negative connections per tenant", "Parley:Limits connection limits must not be negative." },
        { "negative online users per tenant", "Parley:Limits:OnlineUsersPerTenant must not be negative." },
        { "negative new connections rate", "Parley:Limits:NewConnectionsPerSecond must not be negative and NewConnectionsBurst at least 1." },
        { "zero new connections burst", "Parley:Limits:NewConnectionsPerSecond must not be negative and NewConnectionsBurst at least 1." },
        { "small outbound queue", "Parley:Limits:OutboundQueueFrames must be at least 16." },
        { "history page below a message", "Parley:Limits:MaxHistoryPageBytes must be at least MaxMessageBytes." },
        { "outbound bytes below two pages", "Parley:Limits:OutboundQueueBytes must be at least twice MaxHistoryPageBytes." },
        { "negative max connections", "Parley:Limits:MaxConnections must be 0 (automatic) or positive." },
        { "zero request head timeout", "Parley:Limits:RequestHeadTimeout must be between 0 and 5 minutes." },
        { "tiny memory limit", "Parley:Limits:MemoryLimitBytes must be 0 (automatic) or at least 64 MiB." },
        { "zero join rate", "Parley:Limits:JoinsPerSecond must be positive." },
        { "zero join burst", "Parley:Limits:JoinBurst must be at least 1." },
        { "zero connect timeout", "Parley:Limits:ConnectTimeout must be positive." },
        { "zero ping interval", "Parley:Limits:PingInterval must be positive." },
        { "idle timeout equal to ping interval", "Parley:Limits:IdleTimeout must be longer than PingInterval." },
        { "http publish limit below message size", "Parley:Limits:MaxHttpPublishBytes must be at least MaxMessageBytes." },
        { "invalid tenant in limits", "Parley:Limits:Tenants: 'bad/tenant' is not a valid tenant id." },
        { "tenant max message too large", "Parley:Limits:Tenants:acme:MaxMessageBytes must be positive and below MaxFrameBytes." },
        { "tenant zero publish rate", "Parley:Limits:Tenants:acme:PublishesPerSecond must be positive." },
        { "tenant negative tenant publish rate", "Parley:Limits:Tenants:acme:TenantPublishesPerSecond must not be negative." },
        { "tenant zero rooms", "Parley:Limits:Tenants:acme:RoomsPerConnection must be at least 1." },
        { "tenant negative connections per user", "Parley:Limits:Tenants:acme connection limits must not be negative." },
        { "tenant negative connections per tenant", "Parley:Limits:Tenants:acme connection limits must not be negative." },
        { "tenant negative online users", "Parley:Limits:Tenants:acme:OnlineUsersPerTenant must not be negative." },
        { "negative batch window", "Parley:Store:BatchWindow must be between 0 and 100 ms." },
        { "long batch window", "Parley:Store:BatchWindow must be between 0 and 100 ms." },
        { "zero batch size", "Parley:Store:MaxBatchSize must be between 1 and 10000." },
        { "huge batch size", "Parley:Store:MaxBatchSize must be between 1 and 10000." },
        { "zero commit timeout", "Parley:Store:CommitTimeout must be positive." },
        { "negative retention count", "Parley:Retention:MaxMessagesPerStream must not be negative." },
        { "negative retention age", "Parley:Retention:MaxAge must not be negative." },
        { "zero trim interval", "Parley:Retention:TrimInterval must be positive." },
        { "invalid tenant in retention", "Parley:Retention:Tenants: '..' is not a valid tenant id." },
        { "zero heartbeat", "Parley:Presence:HeartbeatInterval must be positive and at most half of Ttl." },
        { "heartbeat above half the ttl", "Parley:Presence:HeartbeatInterval must be positive and at most half of Ttl." },
        { "negative drain window", "Parley:Drain durations must not be negative." },
        { "negative flush timeout", "Parley:Drain durations must not be negative." },
        { "tiny broker publish buffer", "Parley:Broker:PublishBufferBytes must be at least 64 KiB." },
        { "tiny broker delivery buffer", "Parley:Broker:DeliveryBufferBytes must be at least 64 KiB." },
    };

    [Theory]
    [InlineData("redis://127.0.0.1:6379", "", "Parley:Redis:Url and Parley:Postgres:ConnectionString go together: set both for cluster mode, neither for embedded mode.")]
    [InlineData("", "Host=db;Database=parley", "Parley:Redis:Url and Parley:Postgres:ConnectionString go together: set both for cluster mode, neither for embedded mode.")]
    [InlineData("redis://cache/two", "Host=db;Database=parley", "Parley:Redis:Url: ")]
    [InlineData("http://cache", "Host=db;Database=parley", "Parley:Redis:Url: ")]
    [InlineData("cache:6379,nonsense=1", "Host=db;Database=parley", "Parley:Redis:Url: ")]
    [InlineData("abortConnect=false", "Host=db;Database=parley", "Parley:Redis:Url: Redis configuration names no endpoint")]
    public void Cluster_settings_are_refused_unless_redis_and_postgres_are_both_valid(string redis, string postgres, string message)
    {
        var options = new ParleyOptions();
        options.Redis.Url = redis;
        options.Postgres.ConnectionString = postgres;
        var result = new ParleyOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rabbitmq", "", "", "amqp://guest:guest@mq:5672/", "Parley:Broker:Kind is rabbitmq, which needs Parley:Redis:Url too: presence, connection limits, the node registry and tenant publish rates live in Redis.")]
    [InlineData("nats", "", "", "nats://mq:4222", "Parley:Broker:Kind is nats, which needs Parley:Redis:Url too: presence, connection limits, the node registry and tenant publish rates live in Redis.")]
    [InlineData("nats", "", "", "nats://mq:4222", "Parley:Broker:Kind is nats, which needs Parley:Postgres:ConnectionString too: a broker other than the in-process one is for cluster mode.")]
    [InlineData("rabbitmq", "redis://cache:6379", "Host=db;Database=parley", "", "Parley:Broker:Kind is rabbitmq, which needs Parley:Broker:RabbitMq:Url (amqp://user:password@host:port/vhost).")]
    [InlineData("nats", "redis://cache:6379", "Host=db;Database=parley", "", "Parley:Broker:Kind is nats, which needs Parley:Broker:Nats:Url (nats://host:port).")]
    [InlineData("RabbitMQ", "redis://cache:6379", "Host=db;Database=parley", "http://mq", "Parley:Broker:RabbitMq:Url must be an amqp:// or amqps:// URL.")]
    [InlineData("nats", "redis://cache:6379", "Host=db;Database=parley", "nats://a:4222,http://b", "Parley:Broker:Nats:Url must be one or more nats:// or tls:// URLs separated by commas.")]
    [InlineData("kafka", "redis://cache:6379", "Host=db;Database=parley", "", "Parley:Broker:Kind must be redis, rabbitmq or nats, not 'kafka'.")]
    public void An_incomplete_broker_configuration_is_refused_naming_what_is_missing(string kind, string redis, string postgres, string url, string message)
    {
        var options = new ParleyOptions();
        options.Broker.Kind = kind;
        options.Redis.Url = redis;
        options.Postgres.ConnectionString = postgres;
        options.Broker.RabbitMq.Url = url;
        options.Broker.Nats.Url = url;

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(message, result.Failures);
    }

    [Theory]
    [InlineData("rabbitmq")]
    [InlineData("nats")]
    [InlineData("Redis")]
    public void A_complete_configuration_of_each_broker_is_valid(string kind)
    {
        var options = new ParleyOptions();
        options.Broker.Kind = kind;
        options.Redis.Url = "redis://cache:6379";
        options.Postgres.ConnectionString = "Host=db;Database=parley";
        options.Broker.RabbitMq.Url = "amqps://parley:secret@mq.internal:5671/parley";
        options.Broker.Nats.Url = "nats://nats-1:4222, nats://nats-2:4222";

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task A_node_refuses_to_start_with_a_broker_but_without_redis_naming_what_is_missing()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            Parley.Tests.Support.TestNode.StartAsync(new Dictionary<string, string?>
            {
                ["Parley:Broker:Kind"] = "nats",
                ["Parley:Broker:Nats:Url"] = "nats://127.0.0.1:4222",
            }));

        Assert.Contains("Parley:Broker:Kind is nats, which needs Parley:Redis:Url too: presence, connection limits, the node registry and tenant publish rates live in Redis.", error.Failures);
    }

    [Fact]
    public void A_key_prefix_with_braces_is_refused_because_the_keys_use_them_as_hash_tags()
    {
        var options = new ParleyOptions();
        options.Redis.KeyPrefix = "{parley}:";

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Parley:Redis:KeyPrefix must be at most 64 characters without white space or braces", StringComparison.Ordinal));
    }

    [Fact]
    public void Redis_and_postgres_together_make_a_valid_cluster_configuration()
    {
        var options = new ParleyOptions();
        options.Redis.Url = "redis://:secret@cache:6379/2";
        options.Postgres.ConnectionString = "Host=db;Database=parley;Username=parley";
        Assert.True(new ParleyOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(options.IsCluster);
    }

    [Fact]
    public void Postgres_statements_are_prepared_automatically_unless_turned_off_and_a_negative_count_is_refused()
    {
        var options = new ParleyOptions();
        options.Redis.Url = "redis://cache:6379";
        options.Postgres.ConnectionString = "Host=db;Database=parley;Username=parley";
        Assert.Equal(32, new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres.BuildConnectionString()).MaxAutoPrepare);

        options.Postgres.AutoPrepareStatements = 0;
        Assert.Equal(0, new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres.BuildConnectionString()).MaxAutoPrepare);

        options.Postgres.AutoPrepareStatements = -1;
        Assert.Contains("Parley:Postgres:AutoPrepareStatements must be 0 (off) or more.", new ParleyOptionsValidator().Validate(null, options).Failures!);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        var result = Validate(new ParleyOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_complete_production_configuration_is_valid()
    {
        var options = new ParleyOptions { NodeId = "n-eu-1" };
        options.Auth.DisableDevelopmentKey = true;
        options.Auth.JwksUrl = "https://issuer.example.com/.well-known/jwks.json";
        options.Auth.PublicKeys.Add(new PublicKeyOptions { KeyId = "k1", Algorithm = "RS256", Pem = Pem });
        options.Auth.ClockSkew = TimeSpan.Zero;
        options.Limits.Tenants["acme"] = new TenantLimitOverrides { MaxMessageBytes = 1024, ConnectionsPerUser = 0, TenantPublishesPerSecond = 0 };
        options.Retention.Tenants["acme"] = new TenantRetentionOverrides { MaxAge = TimeSpan.Zero };
        options.Store.BatchWindow = TimeSpan.Zero;
        options.Presence.HeartbeatInterval = options.Presence.Ttl / 2;

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("https://issuer.example.com/jwks")]
    [InlineData("http://localhost:8080/jwks")]
    public void An_http_or_https_jwks_url_is_valid(string url)
    {
        var options = new ParleyOptions();
        options.Auth.JwksUrl = url;

        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Each_bad_setting_is_refused_with_its_own_message(string setting, string message)
    {
        var options = new ParleyOptions();
        Break(options, setting);

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new ParleyOptions { DataDirectory = "" };
        options.Limits.OutboundQueueFrames = 1;
        options.Presence.Ttl = TimeSpan.Zero;

        var result = Validate(options);

        Assert.Equal(
            ["Parley:DataDirectory must not be empty.", "Parley:Limits:OutboundQueueFrames must be at least 16.", "Parley:Presence:Ttl must be positive.", "Parley:Presence:HeartbeatInterval must be positive and at most half of Ttl."],
            result.Failures);
    }

    [Theory]
    [InlineData("Parley:Limits:Tenants:acme:eu:Disabled", "Parley:Limits:Tenants:acme:eu:Disabled cannot be applied: 'eu' is not a per-tenant setting (a tenant id containing ':' cannot be named in configuration; set such a tenant's quotas in the auth service).")]
    [InlineData("Parley:Limits:Tenants:acme:Disabeld", "Parley:Limits:Tenants:acme:Disabeld cannot be applied: 'Disabeld' is not a per-tenant setting (a tenant id containing ':' cannot be named in configuration; set such a tenant's quotas in the auth service).")]
    [InlineData("Parley:Retention:Tenants:acme:eu:MaxAge", "Parley:Retention:Tenants:acme:eu:MaxAge cannot be applied: 'eu' is not a per-tenant setting (a tenant id containing ':' cannot be named in configuration; set such a tenant's quotas in the auth service).")]
    [InlineData("Parley:Retention:Tenants:acme:MaxMessages", "Parley:Retention:Tenants:acme:MaxMessages cannot be applied: 'MaxMessages' is not a per-tenant setting (a tenant id containing ':' cannot be named in configuration; set such a tenant's quotas in the auth service).")]
    public void A_tenant_override_the_node_cannot_apply_is_refused_rather_than_ignored(string key, string message)
    {
        var (options, configuration) = Bind(new() { [key] = "true" });

        var result = new ParleyOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void Tenant_overrides_in_any_letter_case_are_applied_and_valid()
    {
        var (options, configuration) = Bind(new()
        {
            ["Parley:Limits:Tenants:acme:disabled"] = "true",
            ["Parley:Limits:Tenants:acme:ConnectionsPerUser"] = "2",
            ["Parley:Retention:Tenants:acme:maxage"] = "01:00:00",
        });

        var result = new ParleyOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(options.Limits.Tenants["acme"].Disabled);
        Assert.Equal(TimeSpan.FromHours(1), options.Retention.Tenants["acme"].MaxAge);
    }

    [Fact]
    public async Task A_node_refuses_to_start_with_a_tenant_kill_switch_it_cannot_apply()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            Parley.Tests.Support.TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:Tenants:acme:eu:Disabled"] = "true" }));

        Assert.Contains(error.Failures, f => f.StartsWith("Parley:Limits:Tenants:acme:eu:Disabled cannot be applied", StringComparison.Ordinal));
    }

    private static (ParleyOptions Options, Microsoft.Extensions.Configuration.IConfigurationSection Section) Bind(Dictionary<string, string?> settings)
    {
        var root = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var section = root.GetSection(ParleyOptions.Section);
        return (section.Get<ParleyOptions>() ?? new ParleyOptions(), section);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(ParleyOptions options)
        => new ParleyOptionsValidator().Validate(null, options);

    private static void Break(ParleyOptions o, string setting)
    {
        var acme = new TenantLimitOverrides();
        switch (setting)
        {
            case "node id with a slash": o.NodeId = "n/1"; break;
            case "tiny broker publish buffer": o.Broker.PublishBufferBytes = 1024; break;
            case "tiny broker delivery buffer": o.Broker.DeliveryBufferBytes = 1024; break;
            case "zero gap wait": o.Cluster.GapWait = TimeSpan.Zero; break;
            case "gap wait as long as the head check": o.Cluster.GapWait = o.Cluster.HeadCheckInterval; break;
            case "empty data directory": o.DataDirectory = " "; break;
            case "blank issuer": o.Auth.Issuer = "  "; break;
            case "empty audience": o.Auth.Audience = ""; break;
            case "short hmac secret": o.Auth.HmacSecret = new string('s', 31); break;
            case "no key without the development key": o.Auth.DisableDevelopmentKey = true; break;
            case "relative jwks url": o.Auth.JwksUrl = "jwks.json"; break;
            case "rooted path as jwks url": o.Auth.JwksUrl = "/etc/parley/jwks.json"; break;
            case "file jwks url": o.Auth.JwksUrl = "file:///etc/parley/jwks.json"; break;
            case "zero jwks refresh": o.Auth.JwksRefreshInterval = TimeSpan.Zero; break;
            case "negative jwks refetch": o.Auth.JwksMinimumRefetchInterval = TimeSpan.FromSeconds(-1); break;
            case "negative clock skew": o.Auth.ClockSkew = TimeSpan.FromSeconds(-1); break;
            case "huge clock skew": o.Auth.ClockSkew = TimeSpan.FromMinutes(6); break;
            case "hs256 public key": o.Auth.PublicKeys.Add(new PublicKeyOptions { KeyId = "k1", Algorithm = "HS256", Pem = Pem }); break;
            case "public key without pem": o.Auth.PublicKeys.Add(new PublicKeyOptions { KeyId = "k1", Algorithm = "ES256", Pem = "MFkw" }); break;
            case "tiny max frame": o.Limits.MaxFrameBytes = 1023; o.Limits.MaxMessageBytes = 512; break;
            case "huge max frame": o.Limits.MaxFrameBytes = (16 * 1024 * 1024) + 1; break;
            case "zero max message": o.Limits.MaxMessageBytes = 0; break;
            case "max message as large as a frame": o.Limits.MaxMessageBytes = o.Limits.MaxFrameBytes; break;
            case "zero publish rate": o.Limits.PublishesPerSecond = 0; break;
            case "nan publish rate": o.Limits.PublishesPerSecond = double.NaN; break;
            case "zero publish burst": o.Limits.PublishBurst = 0; break;
            case "negative tenant publish rate": o.Limits.TenantPublishesPerSecond = -1; break;
            case "zero rooms per connection": o.Limits.RoomsPerConnection = 0; break;
            case "negative connections per user": o.Limits.ConnectionsPerUser = -1; break;
            case "negative connections per tenant": o.Limits.ConnectionsPerTenant = -1; break;
            case "negative online users per tenant": o.Limits.OnlineUsersPerTenant = -1; break;
            case "negative new connections rate": o.Limits.NewConnectionsPerSecond = -1; break;
            case "zero new connections burst": o.Limits.NewConnectionsBurst = 0; break;
            case "small outbound queue": o.Limits.OutboundQueueFrames = 15; break;
            case "history page below a message": o.Limits.MaxHistoryPageBytes = o.Limits.MaxMessageBytes - 1; break;
            case "outbound bytes below two pages": o.Limits.OutboundQueueBytes = (2L * o.Limits.MaxHistoryPageBytes) - 1; break;
            case "negative max connections": o.Limits.MaxConnections = -1; break;
            case "zero request head timeout": o.Limits.RequestHeadTimeout = TimeSpan.Zero; break;
            case "tiny memory limit": o.Limits.MemoryLimitBytes = 1024; break;
            case "zero join rate": o.Limits.JoinsPerSecond = 0; break;
            case "zero join burst": o.Limits.JoinBurst = 0; break;
            case "zero connect timeout": o.Limits.ConnectTimeout = TimeSpan.Zero; break;
            case "zero ping interval": o.Limits.PingInterval = TimeSpan.Zero; break;
            case "idle timeout equal to ping interval": o.Limits.IdleTimeout = o.Limits.PingInterval; break;
            case "http publish limit below message size": o.Limits.MaxHttpPublishBytes = o.Limits.MaxMessageBytes - 1; break;
            case "invalid tenant in limits": o.Limits.Tenants["bad/tenant"] = new TenantLimitOverrides(); break;
            case "tenant max message too large": acme.MaxMessageBytes = o.Limits.MaxFrameBytes; break;
            case "tenant zero publish rate": acme.PublishesPerSecond = 0; break;
            case "tenant negative tenant publish rate": acme.TenantPublishesPerSecond = -0.5; break;
            case "tenant zero rooms": acme.RoomsPerConnection = 0; break;
            case "tenant negative connections per user": acme.ConnectionsPerUser = -1; break;
            case "tenant negative connections per tenant": acme.ConnectionsPerTenant = -1; break;
            case "tenant negative online users": acme.OnlineUsersPerTenant = -1; break;
            case "negative batch window": o.Store.BatchWindow = TimeSpan.FromMilliseconds(-1); break;
            case "long batch window": o.Store.BatchWindow = TimeSpan.FromMilliseconds(101); break;
            case "zero batch size": o.Store.MaxBatchSize = 0; break;
            case "huge batch size": o.Store.MaxBatchSize = 10_001; break;
            case "zero commit timeout": o.Store.CommitTimeout = TimeSpan.Zero; break;
            case "negative retention count": o.Retention.MaxMessagesPerStream = -1; break;
            case "negative retention age": o.Retention.MaxAge = TimeSpan.FromDays(-1); break;
            case "zero trim interval": o.Retention.TrimInterval = TimeSpan.Zero; break;
            case "invalid tenant in retention": o.Retention.Tenants[".."] = new TenantRetentionOverrides(); break;
            case "zero heartbeat": o.Presence.HeartbeatInterval = TimeSpan.Zero; break;
            case "heartbeat above half the ttl": o.Presence.HeartbeatInterval = (o.Presence.Ttl / 2) + TimeSpan.FromTicks(1); break;
            case "negative drain window": o.Drain.Window = TimeSpan.FromSeconds(-1); break;
            case "negative flush timeout": o.Drain.FlushTimeout = TimeSpan.FromSeconds(-1); break;
            default: throw new ArgumentOutOfRangeException(nameof(setting), setting, "No such case.");
        }

        if (setting.StartsWith("tenant ", StringComparison.Ordinal))
        {
            o.Limits.Tenants["acme"] = acme;
        }
    }
}
