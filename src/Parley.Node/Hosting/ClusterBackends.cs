using Parley.Node.Broker;
using Parley.Node.Broker.Nats;
using Parley.Node.Broker.RabbitMq;
using Parley.Node.Cluster;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Store;
using StackExchange.Redis;

namespace Parley.Node.Hosting;

/// <summary>
/// Cluster mode: PostgreSQL holds every message; Redis carries presence, connection slots, tenant
/// publish rates and the node registry, all of which may be lost, and the fan-out between nodes
/// unless <see cref="BrokerOptions.Kind"/> names RabbitMQ or NATS for it. A node starts only when
/// every one of them answers; afterwards any may come and go, and health reports it.
/// </summary>
internal static class ClusterBackends
{
    /// <param name="loggers">Loggers for what is opened here, before the host (and its logging) exists.</param>
    public static async Task AddAsync(IServiceCollection services, ParleyOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var store = await PostgresMessageStore.OpenAsync(options.Postgres, loggers.CreateLogger<PostgresMessageStore>(), cancellationToken);
        services.AddSingleton<IMessageStore>(store);

        var redis = await ConnectRedisAsync(options.Redis, loggers.CreateLogger("Parley.Node.Redis"), cancellationToken);
        var keys = new RedisKeys(options.Redis.KeyPrefix);
        var metrics = new RedisMetrics();
        metrics.Attach(redis);
        services.AddSingleton(metrics);

        // Registered through a factory, so the container disposes the connection with the node.
        services.AddSingleton<IConnectionMultiplexer>(_ => redis);
        await AddBrokerAsync(services, options, loggers, redis, keys, metrics, cancellationToken);
        services.AddSingleton<IPresenceStore>(new RedisPresenceStore(redis, keys, metrics));
        services.AddSingleton<IConnectionLimiter>(new RedisConnectionLimiter(redis, keys, metrics));
        services.AddSingleton<IPublishRateLimiter>(sp => new RedisPublishRateLimiter(redis, keys, metrics, sp.GetRequiredService<ILogger<RedisPublishRateLimiter>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INodeRegistry>(new RedisNodeRegistry(redis, keys, metrics));
    }

    /// <summary>The node's one Redis connection (a command and a pub/sub socket per server); throws when Redis cannot be reached.</summary>
    private static async Task<ConnectionMultiplexer> ConnectRedisAsync(RedisOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var configuration = RedisConfiguration.Parse(options.Url);
        var redis = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken);
        RedisLog.Connected(logger, RedisConfiguration.Describe(configuration), redis.GetServers().Any(s => s.ServerType == ServerType.Cluster));
        redis.ConnectionFailed += (_, e) => RedisLog.ConnectionLost(logger, e.EndPoint?.ToString() ?? "?", e.ConnectionType, e.FailureType, e.Exception);
        redis.ConnectionRestored += (_, e) => RedisLog.Reconnected(logger, e.EndPoint?.ToString() ?? "?", e.ConnectionType);
        return redis;
    }

    /// <summary>The broker <see cref="BrokerOptions.Kind"/> names, connected now; the container disposes it.</summary>
    private static async Task AddBrokerAsync(IServiceCollection services, ParleyOptions options, ILoggerFactory loggers, ConnectionMultiplexer redis, RedisKeys keys, RedisMetrics metrics, CancellationToken cancellationToken)
    {
        var broker = options.Broker;
        switch (broker.ParsedKind)
        {
            case BrokerKind.RabbitMq:
                var rabbit = await RabbitMqBroker.ConnectAsync(broker.RabbitMq, broker.PublishBufferBytes, options.NodeId, loggers.CreateLogger<RabbitMqBroker>(), cancellationToken);
                services.AddSingleton<IBroker>(_ => rabbit);
                break;
            case BrokerKind.Nats:
                var nats = await NatsBroker.ConnectAsync(broker.Nats, broker.PublishBufferBytes, options.NodeId, loggers.CreateLogger<NatsBroker>(), cancellationToken, broker.DeliveryBufferBytes);
                services.AddSingleton<IBroker>(_ => nats);
                break;
            default:
                services.AddSingleton<IBroker>(sp => new RedisBroker(redis, keys, metrics, sp.GetRequiredService<ILogger<RedisBroker>>(), broker.DeliveryBufferBytes));
                break;
        }
    }
}

/// <summary>Log messages of the node's Redis connection, event ids 2100–2199.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Connected to Redis ({Configuration}); Redis Cluster: {IsCluster}.")]
    public static partial void Connected(ILogger logger, string configuration, bool isCluster);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Lost the {ConnectionType} connection to Redis at {EndPoint} ({FailureType}); reconnecting.")]
    public static partial void ConnectionLost(ILogger logger, string endPoint, ConnectionType connectionType, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Reconnected the {ConnectionType} connection to Redis at {EndPoint}.")]
    public static partial void Reconnected(ILogger logger, string endPoint, ConnectionType connectionType);
}
