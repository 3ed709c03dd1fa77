namespace Parley.Node.Options;

/// <summary>Which broker carries the fan-out between the nodes of a cluster.</summary>
public enum BrokerKind
{
    /// <summary>Redis pub/sub on the Redis of <see cref="RedisOptions"/>: nothing more to run.</summary>
    Redis,

    /// <summary>A RabbitMQ topic exchange (<see cref="RabbitMqOptions"/>).</summary>
    RabbitMq,

    /// <summary>Core NATS subjects (<see cref="NatsOptions"/>); no JetStream.</summary>
    Nats,
}

/// <summary>
/// The broker of cluster mode. Whatever it is, presence, connection slots, tenant publish rates
/// and the node registry stay in Redis, so cluster mode always needs <see cref="RedisOptions.Url"/>;
/// the broker only moves envelopes between nodes, and PostgreSQL stays the source of truth.
/// Embedded mode always uses its in-process broker and refuses any other kind.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary><c>redis</c> (the default), <c>rabbitmq</c> or <c>nats</c>, in any letter case.</summary>
    public string Kind { get; set; } = "redis";

    /// <summary>
    /// Bytes of envelopes a node may hold waiting to be written to a RabbitMQ or NATS broker; a
    /// publish past it is refused (counted and logged) and other nodes read that message from the
    /// store instead. Default 16 MiB: about a second of a busy node's fan-out, while a broker that
    /// stalls cannot make the node grow without bound. Redis's client bounds its own writes.
    /// </summary>
    public long PublishBufferBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Bytes of envelopes a node may hold received from the broker (Redis, NATS, or the in-process
    /// broker) and not yet handed to its streams. Past it deliveries are dropped (counted in
    /// <c>parley_broker_deliveries_dropped_total</c>, logged once per episode); once the buffer has
    /// drained every stream catches up from the store, as after a reconnect, so durable rooms lose
    /// nothing and ephemeral rooms lose what was dropped. Default 16 MiB: the same second or so of a
    /// busy node's fan-out as <see cref="PublishBufferBytes"/>, while a stalled delivery loop cannot
    /// make the node grow with the cluster's publish rate. RabbitMQ's is bounded by
    /// <see cref="RabbitMqOptions.Prefetch"/> instead (the broker sends no more until acknowledged).
    /// </summary>
    public long DeliveryBufferBytes { get; set; } = DefaultDeliveryBufferBytes;

    /// <summary>The default of <see cref="DeliveryBufferBytes"/>, for brokers made without options (tests, embedded mode's defaults).</summary>
    public const long DefaultDeliveryBufferBytes = 16 * 1024 * 1024;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public NatsOptions Nats { get; set; } = new();

    /// <summary>The kind named by <see cref="Kind"/>, or null when it names none.</summary>
    public BrokerKind? ParsedKind => Kind.ToLowerInvariant() switch
    {
        "redis" => BrokerKind.Redis,
        "rabbitmq" => BrokerKind.RabbitMq,
        "nats" => BrokerKind.Nats,
        _ => null,
    };
}

/// <summary>The RabbitMQ broker: one topic exchange, one exclusive queue per node, bound per stream with members here.</summary>
public sealed class RabbitMqOptions
{
    /// <summary><c>amqp://user:password@host:port/vhost</c> (or <c>amqps://</c> for TLS). Required with Kind <c>rabbitmq</c>; empty by default.</summary>
    public string Url { get; set; } = "";

    /// <summary>
    /// The topic exchange every node publishes to, declared durable by each node at start (an
    /// exchange holds no messages; durable, it survives a broker restart). Default "parley"; give
    /// deployments that share a virtual host different names.
    /// </summary>
    public string Exchange { get; set; } = "parley";

    /// <summary>
    /// Deliveries RabbitMQ sends a node before it acknowledges them. Default 1000: enough to keep
    /// a busy node's consumer fed across a round trip, few enough that a stalled node holds at most
    /// a second or so of traffic in flight.
    /// </summary>
    public int Prefetch { get; set; } = 1000;

    /// <summary>
    /// Largest size in bytes of a node's queue on the broker; past it the oldest envelopes are
    /// dropped (the store fills the gap). Default 64 MiB: a stalled node cannot fill the broker's memory.
    /// </summary>
    public long QueueMaxBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>AMQP heartbeat: a silent broker is given up after about twice this. Default 10 s.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait between reconnect attempts after the connection is lost. Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The NATS broker: a core NATS subject per stream, subscribed while the stream has members here.</summary>
public sealed class NatsOptions
{
    /// <summary><c>nats://[user:password@]host:port</c> (or <c>tls://</c>), several separated by commas for a NATS cluster. Required with Kind <c>nats</c>; empty by default.</summary>
    public string Url { get; set; } = "";

    /// <summary>First token(s) of every subject, so deployments can share a NATS server. Default "parley".</summary>
    public string SubjectPrefix { get; set; } = "parley";

    /// <summary>
    /// Messages a subscription holds before the node moves them into its delivery buffer
    /// (<see cref="BrokerOptions.DeliveryBufferBytes"/>, which bounds them in bytes), which it does at
    /// once; past it the newest are dropped (counted, and the store fills the gap). Default 8192: a
    /// few seconds of one busy room.
    /// </summary>
    public int PendingMessages { get; set; } = 8192;

    /// <summary>Wait between reconnect attempts after the connection is lost. Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
}
