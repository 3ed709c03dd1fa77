namespace Parley.Node.Options;

/// <summary>Redis for cluster mode: fan-out between nodes, presence, connection limits and the node registry.</summary>
public sealed class RedisOptions
{
    /// <summary>
    /// Where Redis is: a StackExchange.Redis configuration string (<c>host1:6379,host2:6379,ssl=true,user=…,password=…</c>;
    /// several endpoints, TLS, ACL users, Sentinel with <c>serviceName=…</c>, a Redis Cluster) or one
    /// server as <c>redis[s]://[user:password@]host:port[/db]</c> (see <see cref="RedisConfiguration"/>).
    /// Empty (the default): no Redis, embedded mode. Redis holds nothing that cannot be lost; it needs no persistence.
    /// </summary>
    public string Url { get; set; } = "";

    /// <summary>Prefix of every key and channel (<see cref="RedisKeys"/>), so several deployments can share one Redis. Default "parley:"; no braces.</summary>
    public string KeyPrefix { get; set; } = "parley:";
}

/// <summary>Behaviour that only matters when several nodes share a broker and a store.</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// How often each node compares what it delivered with the store's heads. Bounds the delay of a
    /// message whose broadcast was lost and that no later message revealed. Default 2 s: one
    /// batched read per node per interval.
    /// </summary>
    public TimeSpan HeadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node keeps a stream's topic subscribed after its last member here has left. A
    /// member coming back within it (a reconnect, a page reload, a storm of them after a network
    /// blip) rejoins a stream that is subscribed and knows its head: no SUBSCRIBE, no store read.
    /// Default 10 s; zero unsubscribes at once. Embedded mode's counterpart is <see cref="StoreOptions.StreamLinger"/>.
    /// </summary>
    public TimeSpan TopicLinger { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stream's sequencer holds a message that skipped ahead, waiting for the missing
    /// ones to arrive from the broker, before it reads the gap from the store. Default 150 ms: a
    /// few broker round trips on one network, so a reordering costs no store read while a lost
    /// publish is filled quickly. Raise it where the broker is far (across zones) and the store is
    /// busy; it must be positive and shorter than <see cref="HeadCheckInterval"/>.
    /// </summary>
    public TimeSpan GapWait { get; set; } = DefaultGapWait;

    /// <summary>The default of <see cref="GapWait"/>, for sequencers built without options.</summary>
    internal static readonly TimeSpan DefaultGapWait = TimeSpan.FromMilliseconds(150);
}
