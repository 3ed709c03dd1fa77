using Parley.Redis;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Store;

namespace Parley.Node.Hosting;

/// <summary>
/// Cluster mode: PostgreSQL holds every message; Redis carries fan-out, presence, connection
/// slots, tenant publish rates and the node registry, all of which may be lost. A node starts only when both answer;
/// afterwards either may come and go, and health reports it.
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
        services.AddSingleton<IBroker>(sp => new RedisBroker(connection, subscriber, prefix, sp.GetRequiredService<ILogger<RedisBroker>>()));
        services.AddSingleton<IPresenceStore>(new RedisPresenceStore(connection, prefix));
        services.AddSingleton<IConnectionLimiter>(new RedisConnectionLimiter(connection, prefix));
        services.AddSingleton<IPublishRateLimiter>(sp => new RedisPublishRateLimiter(connection, prefix, sp.GetRequiredService<ILogger<RedisPublishRateLimiter>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INodeRegistry>(new RedisNodeRegistry(connection, prefix));
    }
}
