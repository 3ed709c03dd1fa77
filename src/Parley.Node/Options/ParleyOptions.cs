namespace Parley.Node.Options;

/// <summary>
/// Everything a node is configured with, bound from the <c>Parley</c> section (appsettings.json,
/// environment variables such as <c>Parley__Limits__ConnectionsPerUser</c>, or the command line).
/// Every default is stated where it is declared; <see cref="ParleyOptionsValidator"/> checks all of
/// them at start, so a bad setting stops the node before it accepts a connection.
/// </summary>
public sealed class ParleyOptions
{
    public const string Section = "Parley";

    /// <summary>This node's id in frames, envelopes and health. Empty: "n-" plus 12 random hex digits, new at every start.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>Where embedded mode keeps its SQLite file and development key. Relative paths are from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    public AuthOptions Auth { get; set; } = new();

    public LimitsOptions Limits { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public PostgresOptions Postgres { get; set; } = new();

    public RedisOptions Redis { get; set; } = new();

    public BrokerOptions Broker { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();

    public DirectoryOptions Directory { get; set; } = new();

    /// <summary>Cluster mode: Redis and PostgreSQL are both configured. Neither: embedded mode.</summary>
    public bool IsCluster => Redis.Url.Length > 0 && Postgres.IsConfigured;

    public RetentionOptions Retention { get; set; } = new();

    public PresenceOptions Presence { get; set; } = new();

    public DrainOptions Drain { get; set; } = new();

    public WebOptions Web { get; set; } = new();

    public RoomsOptions Rooms { get; set; } = new();
}

/// <summary>How tokens are verified. At least one key source must be configured (embedded mode configures the development key).</summary>
public sealed class AuthOptions
{
    /// <summary>Required <c>iss</c> claim. Default "parley-dev", what <c>parley token</c> mints.</summary>
    public string Issuer { get; set; } = "parley-dev";

    /// <summary>Required <c>aud</c> claim. Default "parley".</summary>
    public string Audience { get; set; } = "parley";

    /// <summary>
    /// HS256 secret (at least 32 bytes of UTF-8) for development. Empty: embedded mode reads or
    /// creates <c>{DataDirectory}/dev-signing.key</c>; set <see cref="DisableDevelopmentKey"/> to forbid that.
    /// </summary>
    public string HmacSecret { get; set; } = "";

    /// <summary>When true, no development key is created or used; tokens must verify with <see cref="PublicKeys"/> or <see cref="JwksUrl"/>.</summary>
    public bool DisableDevelopmentKey { get; set; }

    /// <summary>Production public keys, each pinned to one algorithm.</summary>
    public List<PublicKeyOptions> PublicKeys { get; set; } = [];

    /// <summary>A JWKS document to fetch verification keys from (ES256/RS256). Empty: none.</summary>
    public string JwksUrl { get; set; } = "";

    /// <summary>How long fetched JWKS keys are used before they are fetched again. Default 10 minutes.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Shortest time between two fetches triggered by an unknown <c>kid</c>, so forged kids cannot hammer the issuer. Default 30 s.</summary>
    public TimeSpan JwksMinimumRefetchInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tolerated clock difference for <c>exp</c> and <c>nbf</c>. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>One verification key: PEM text of a public key and the only algorithm it verifies.</summary>
public sealed class PublicKeyOptions
{
    /// <summary>Key id matched against the token header's <c>kid</c>; empty matches tokens without one.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>ES256 or RS256.</summary>
    public string Algorithm { get; set; } = "ES256";

    /// <summary>The public key, PEM ("-----BEGIN PUBLIC KEY-----").</summary>
    public string Pem { get; set; } = "";
}

/// <summary>Limits per node, connection and tenant. A number of 0 means unlimited where noted.</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest client frame in bytes; larger frames are discarded with <c>frame_too_large</c>. Default 64 KiB.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Largest message body in bytes of JSON. Default 16 KiB: a long chat message with metadata.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Sustained publishes (sends and signals) per second per connection. Default 20.</summary>
    public double PublishesPerSecond { get; set; } = 20;

    /// <summary>Publishes a connection may make at once before the rate applies. Default 40.</summary>
    public int PublishBurst { get; set; } = 40;

    /// <summary>
    /// Sustained publishes per second per tenant, across the cluster (WebSocket and HTTP together);
    /// 0 unlimited. Default 0. An idle tenant may publish one second's worth at once.
    /// </summary>
    public double TenantPublishesPerSecond { get; set; }

    /// <summary>Rooms one connection may have joined at once. Default 100.</summary>
    public int RoomsPerConnection { get; set; } = 100;

    /// <summary>Connections per user, across the cluster; 0 unlimited. Default 5: a few devices and tabs.</summary>
    public int ConnectionsPerUser { get; set; } = 5;

    /// <summary>Connections per tenant, across the cluster; 0 unlimited. Default 0.</summary>
    public int ConnectionsPerTenant { get; set; }

    /// <summary>
    /// Distinct users online at once per tenant, across the cluster; 0 unlimited. Default 0. A user
    /// already online may always open another connection (within <see cref="ConnectionsPerUser"/>).
    /// </summary>
    public int OnlineUsersPerTenant { get; set; }

    /// <summary>New WebSocket connections this node admits per second before answering 503; 0 unlimited. Default 200.</summary>
    public int NewConnectionsPerSecond { get; set; } = 200;

    /// <summary>New connections admitted at once before the per-second rate applies. Default 400.</summary>
    public int NewConnectionsBurst { get; set; } = 400;

    /// <summary>Frames waiting to be written to one connection before it counts as a slow consumer. Default 1024.</summary>
    public int OutboundQueueFrames { get; set; } = 1024;

    /// <summary>
    /// Bytes waiting to be written to one connection (queued frames of every kind, and the
    /// WebSocket's pongs behind a stalled write) before it counts as a slow consumer. Default 4 MiB:
    /// a few full history pages, while ten thousand stalled clients cannot hold more than 40 GiB.
    /// </summary>
    public long OutboundQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest history page in bytes of message bodies and fields; a page is cut (never below one message) to fit. Default 1 MiB.</summary>
    public int MaxHistoryPageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// TCP connections this node holds at once (WebSocket, HTTP, and those still sending their
    /// request head); past it a new connection is closed at once. 0: automatic, the process's
    /// open-file limit less a reserve of 512 or a tenth of it, whichever is more, for the runtime's
    /// own files (about 300), the store, Redis and PostgreSQL. Default 0.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// Time a new TCP connection has to send its whole request head; past it the connection is
    /// closed (with 408 when part of a head arrived). Default 10 s: a head is one packet, even on a
    /// slow mobile network, and a silent socket must not hold a file descriptor for long.
    /// </summary>
    public TimeSpan RequestHeadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Resident memory of the node above which it refuses expensive work: history pages
    /// (<c>overloaded</c>) and new WebSocket connections (HTTP 503). 0: automatic, 85% of the memory
    /// available to the process (the container's limit, else the machine's). Default 0.
    /// </summary>
    public long MemoryLimitBytes { get; set; }

    /// <summary>Sustained joins per second per connection; leaves are never refused (each follows a join). Default 10.</summary>
    public double JoinsPerSecond { get; set; } = 10;

    /// <summary>
    /// Joins a connection may make at once before the rate applies. The connection's bucket holds
    /// this or its tenant's RoomsPerConnection, whichever is more, so a reconnect that resumes every
    /// room it may join is never refused. Default 100.
    /// </summary>
    public int JoinBurst { get; set; } = 100;

    /// <summary>Time a new connection has to send <c>connect</c>. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of server pings. Default 25 s: below the 60 s read timeouts of common proxies.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>A connection silent for this long is closed with 4002. Default 60 s: more than two ping intervals.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest HTTP request body for publish routes, in bytes. Default 64 KiB.</summary>
    public int MaxHttpPublishBytes { get; set; } = 64 * 1024;

    /// <summary>Per-tenant overrides of the limits above, keyed by tenant id.</summary>
    public Dictionary<string, TenantLimitOverrides> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Per-tenant limit overrides; null keeps the node-wide value.</summary>
public sealed class TenantLimitOverrides
{
    /// <summary>When true the tenant's connections are closed with 4502 and new ones refused. Default false.</summary>
    public bool Disabled { get; set; }

    public int? MaxMessageBytes { get; set; }

    public double? PublishesPerSecond { get; set; }

    public double? TenantPublishesPerSecond { get; set; }

    public int? RoomsPerConnection { get; set; }

    public int? ConnectionsPerUser { get; set; }

    public int? ConnectionsPerTenant { get; set; }

    public int? OnlineUsersPerTenant { get; set; }
}

/// <summary>The durable store.</summary>
public sealed class StoreOptions
{
    /// <summary>SQLite file for embedded mode. Empty: <c>{DataDirectory}/parley.db</c>.</summary>
    public string SqlitePath { get; set; } = "";

    /// <summary>How long the group-commit batcher waits to gather more messages into one transaction. Default 2 ms.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Most messages in one commit. Default 1024: under load every request queued behind the commit
    /// in flight joins the next one, so each fsync and each rewritten page serves more messages; the
    /// cap only bounds one transaction's size and never delays a message (the window does not grow).
    /// </summary>
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>How long one commit may take before it fails with <c>store_unavailable</c>. Default 5 s.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Embedded mode: how long the node keeps a stream (its sequencer and its in-process
    /// subscription) after its last member here has left, so a member that comes back (a
    /// reconnect, a reload) rejoins from memory instead of reading the stream's head from SQLite.
    /// Default 10 s, as <see cref="ClusterOptions.TopicLinger"/> in cluster mode; zero lets go at once.
    /// </summary>
    public TimeSpan StreamLinger { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>How long messages are kept. Trimming never moves a stream's head backwards.</summary>
public sealed class RetentionOptions
{
    /// <summary>Messages kept per stream (room or inbox); 0 unlimited. Default 10,000.</summary>
    public int MaxMessagesPerStream { get; set; } = 10_000;

    /// <summary>Age after which messages are deleted; zero keeps them regardless of age. Default 7 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the trimmer runs. Default 1 minute.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per-tenant overrides, keyed by tenant id.</summary>
    public Dictionary<string, TenantRetentionOverrides> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Per-tenant retention; null keeps the node-wide value.</summary>
public sealed class TenantRetentionOverrides
{
    public int? MaxMessagesPerStream { get; set; }

    public TimeSpan? MaxAge { get; set; }
}

/// <summary>Presence and the heartbeat that renews presence entries and connection slots.</summary>
public sealed class PresenceOptions
{
    /// <summary>Lifetime of a presence entry and a connection slot unless renewed. Default 60 s.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the node renews its entries; must be well under <see cref="Ttl"/>. Default 20 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>What a node does on SIGTERM.</summary>
public sealed class DrainOptions
{
    /// <summary>Reconnect hints are spread uniformly over this window so clients do not return all at once. Default 10 s.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the node waits for queues to flush after the hints before it closes the rest. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
