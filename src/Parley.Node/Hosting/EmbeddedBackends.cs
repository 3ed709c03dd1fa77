using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Store;

namespace Parley.Node.Hosting;

/// <summary>Embedded mode: SQLite in the data directory; broker, presence, limits and registry in process.</summary>
internal static class EmbeddedBackends
{
    public static async Task AddAsync(IServiceCollection services, ParleyOptions options, CancellationToken cancellationToken)
    {
        var sqlitePath = options.Store.SqlitePath.Length > 0 ? options.Store.SqlitePath : Path.Combine(options.DataDirectory, "parley.db");
        services.AddSingleton<IMessageStore>(await SqliteMessageStore.OpenAsync(sqlitePath, cancellationToken));
        services.AddSingleton<IBroker>(sp => new MemoryBroker(new MemoryBus(), sp.GetRequiredService<ILogger<MemoryBroker>>(), options.Broker.DeliveryBufferBytes));
        services.AddSingleton<IPresenceStore>(sp => new MemoryPresenceStore(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IConnectionLimiter>(sp => new MemoryConnectionLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPublishRateLimiter>(sp => new MemoryPublishRateLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INodeRegistry>(sp => new MemoryNodeRegistry(sp.GetRequiredService<TimeProvider>()));
    }
}
