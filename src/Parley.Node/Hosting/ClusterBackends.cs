using Parley.Redis;
using Parley.Node.Broker;
using Parley.Node.Broker.Nats;
using Parley.Node.Broker.RabbitMq;
using Parley.Node.Cluster;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Store;

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

        var redisOptions = RedisConnectionOptions.Parse(options.Redis.Url);
        var prefix = options.Redis.KeyPrefix;
        var metrics = new RedisMetrics();
        services.AddSingleton(metrics);
        var connection = await RedisConnection.ConnectAsync(redisOptions, loggers.CreateLogger<RedisConnection>(), metrics, cancellationToken);
        var subscriber = await RedisSubscriber.ConnectAsync(redisOptions, loggers.CreateLogger<RedisSubscriber>(), metrics, cancellationToken);
        services.AddSingleton(connection);
        services.AddSingleton(subscriber);
        await AddBrokerAsync(services, options, loggers, connection, subscriber, cancellationToken);
        services.AddSingleton<IPresenceStore>(new RedisPresenceStore(connection, prefix));
        services.AddSingleton<IConnectionLimiter>(new RedisConnectionLimiter(connection, prefix));
        services.AddSingleton<IPublishRateLimiter>(sp => new RedisPublishRateLimiter(connection, prefix, sp.GetRequiredService<ILogger<RedisPublishRateLimiter>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INodeRegistry>(new RedisNodeRegistry(connection, prefix));
    }

    /// <summary>The broker <see cref="BrokerOptions.Kind"/> names, connected now; the container disposes it.</summary>
    private static async Task AddBrokerAsync(IServiceCollection services, ParleyOptions options, ILoggerFactory loggers, RedisConnection connection, RedisSubscriber subscriber, CancellationToken cancellationToken)
    {
        var broker = options.Broker;
        switch (broker.ParsedKind)
        {
            case BrokerKind.RabbitMq:
                var rabbit = await RabbitMqBroker.ConnectAsync(broker.RabbitMq, broker.PublishBufferBytes, options.NodeId, loggers.CreateLogger<RabbitMqBroker>(), cancellationToken);
                services.AddSingleton<IBroker>(_ => rabbit);
                break;
            case BrokerKind.Nats:
                var nats = await NatsBroker.ConnectAsync(broker.Nats, broker.PublishBufferBytes, options.NodeId, loggers.CreateLogger<NatsBroker>(), cancellationToken);
                services.AddSingleton<IBroker>(_ => nats);
                break;
            default:
                services.AddSingleton<IBroker>(sp => new RedisBroker(connection, subscriber, options.Redis.KeyPrefix, sp.GetRequiredService<ILogger<RedisBroker>>()));
                break;
        }
    }
}
