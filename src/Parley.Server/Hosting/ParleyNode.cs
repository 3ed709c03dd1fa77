using Microsoft.Extensions.Options;
using Parley.Server.Auth;
using Parley.Server.Broker;
using Parley.Server.Cluster;
using Parley.Server.Connections;
using Parley.Server.Http;
using Parley.Server.Limits;
using Parley.Server.Observability;
using Parley.Server.Options;
using Parley.Server.Presence;
using Parley.Server.Publishing;
using Parley.Server.Rooms;
using Parley.Server.Store;

namespace Parley.Server.Hosting;

/// <summary>
/// Composes a node: options validated before anything opens, then the store, broker, presence,
/// limiter and verifier for the mode, then the WebSocket and HTTP endpoints. Embedded mode (the
/// default) uses SQLite in the data directory and the in-process broker.
/// </summary>
internal static class ParleyNode
{
    /// <summary>Body limit of HTTP routes that do not set their own. Default 1 MiB; publish routes use Limits:MaxHttpPublishBytes.</summary>
    private const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    public static async Task<WebApplication> BuildAsync(string[] args, Action<IConfigurationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);

        var options = builder.Configuration.GetSection(ParleyOptions.Section).Get<ParleyOptions>() ?? new ParleyOptions();
        var validation = new ParleyOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(ParleyOptions.Section, typeof(ParleyOptions), validation.Failures);
        }

        var node = new NodeIdentity(options.NodeId.Length > 0 ? options.NodeId : NodeIdentity.NewId(), DateTimeOffset.UtcNow, NodeMode.Embedded);
        var services = builder.Services;
        services.AddOptions<ParleyOptions>().Bind(builder.Configuration.GetSection(ParleyOptions.Section));
        services.AddSingleton<IValidateOptions<ParleyOptions>, ParleyOptionsValidator>();
        services.AddSingleton(node);
        services.AddSingleton(TimeProvider.System);
        services.Configure<HostOptions>(h => h.ShutdownTimeout = options.Drain.Window + options.Drain.FlushTimeout + TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes);

        await AddEmbeddedBackendsAsync(services, options, cancellationToken);
        AddCore(services);
        services.AddOpenApi();

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Services.GetRequiredService<PrometheusExporter>();
        var endpoint = app.Services.GetRequiredService<WebSocketEndpoint>();
        app.Map("/v1/ws", endpoint.HandleAsync).ExcludeFromDescription();
        PublishEndpoints.Map(app);
        ReadEndpoints.Map(app);
        HealthEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        app.MapOpenApi();
        return app;
    }

    /// <summary>SQLite, the in-process broker and in-memory presence and limits.</summary>
    private static async Task AddEmbeddedBackendsAsync(IServiceCollection services, ParleyOptions options, CancellationToken cancellationToken)
    {
        var sqlitePath = options.Store.SqlitePath.Length > 0 ? options.Store.SqlitePath : Path.Combine(options.DataDirectory, "parley.db");
        var store = await SqliteMessageStore.OpenAsync(sqlitePath, cancellationToken);
        services.AddSingleton<IMessageStore>(store);
        services.AddSingleton<IBroker, MemoryBroker>();
        services.AddSingleton<IPresenceStore>(sp => new MemoryPresenceStore(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IConnectionLimiter>(sp => new MemoryConnectionLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<INodeRegistry>(sp => new MemoryNodeRegistry(sp.GetRequiredService<TimeProvider>()));

        var developmentSecret = options.Auth.DisableDevelopmentKey || options.Auth.HmacSecret.Length > 0
            ? null
            : DevelopmentKey.LoadOrCreate(options.DataDirectory);
        services.AddHttpClient();
        services.AddSingleton<ITokenVerifier>(sp =>
        {
            var auth = sp.GetRequiredService<IOptions<ParleyOptions>>().Value.Auth;
            var clock = sp.GetRequiredService<TimeProvider>();
            IVerificationKeySource? jwks = auth.JwksUrl.Length > 0
                ? new JwksKeySource(auth, sp.GetRequiredService<IHttpClientFactory>().CreateClient("jwks"), clock, sp.GetRequiredService<ILogger<JwksKeySource>>())
                : null;
            return new JwtTokenVerifier(auth, developmentSecret, jwks, clock, sp.GetRequiredService<ILogger<JwtTokenVerifier>>());
        });
    }

    /// <summary>What every mode shares.</summary>
    private static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton(sp => new GroupCommitBatcher(
            sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IOptions<ParleyOptions>>().Value.Store,
            sp.GetRequiredService<StoreMetrics>(),
            sp.GetRequiredService<ILogger<GroupCommitBatcher>>()));
        services.AddHostedService<RetentionTrimmer>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<ConnectionMetrics>();
        services.AddSingleton<ProcessMetrics>();
        services.AddSingleton(sp =>
        {
            // Instruments exist from the start, so a scrape lists them before their first use.
            sp.GetRequiredService<ProcessMetrics>();
            return new PrometheusExporter();
        });
        services.AddSingleton<StreamDispatcher>();
        services.AddSingleton<MessagePublisher>();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<TenantLimits>();
        services.AddSingleton<TenantPublishRates>();
        services.AddSingleton<AdmissionGate>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<SessionServices>();
        services.AddSingleton<WebSocketEndpoint>();
        services.AddSingleton<DrainState>();
        services.AddHostedService<ConnectionSupervisor>();
        services.AddHostedService<DrainService>();
        services.AddHostedService<NodeHeartbeat>();
    }
}
