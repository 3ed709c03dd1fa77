using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections.Upgrade;
using Parley.Node.Connections;
using Parley.Node.Hosting.Transport;
using Parley.Node.Http;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Publishing;
using Parley.Node.Rooms;
using Parley.Node.Status;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Node.Web;

namespace Parley.Node.Hosting;

/// <summary>
/// Composes a node: options validated before anything opens, then the store, broker, presence,
/// limiter and registry for the mode, the token verifier, then the WebSocket and HTTP endpoints.
/// Embedded mode (the default) uses SQLite in the data directory and the in-process broker;
/// cluster mode, chosen when Redis and PostgreSQL are both configured, uses them instead.
/// </summary>
public static class ParleyNode
{
    /// <summary>Body limit of HTTP routes that do not set their own. Default 1 MiB; publish routes use Limits:MaxHttpPublishBytes.</summary>
    private const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// ASP.NET Core's own logs at Warning, as its templates set them: a line per request would be
    /// several per WebSocket connection. Its request diagnostics are off altogether: while they
    /// are on (at any level) every request carries an Activity and a logging scope, which for a
    /// WebSocket last as long as the connection (about 1 KB each).
    /// </summary>
    private static readonly Dictionary<string, string?> DefaultLogLevels = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
        // Kestrel warns of every connection refused past Limits:MaxConnections: a flood would flood the log.
        ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Connections"] = "Error",
        // Four lines per request at Information: every poll of the tenant directory and of the
        // JWKS filled a node's log. Failures still reach it through Parley's own warnings.
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    };

    /// <param name="configureServices">Runs after every service is registered, so a host (a test) may replace one.</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? configureServices = null, CancellationToken cancellationToken = default)
    {
        // The settings files are re-read by polling, set up by PollSettingsFiles, not by the default watch.
        var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        // Lowest in precedence, so appsettings.json, the environment and the command line override them.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = DefaultLogLevels });
        PollSettingsFiles(builder);
        configure?.Invoke(builder.Configuration);

        var parleySection = builder.Configuration.GetSection(ParleyOptions.Section);
        var options = parleySection.Get<ParleyOptions>() ?? new ParleyOptions();
        var validation = new ParleyOptionsValidator(parleySection).Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(ParleyOptions.Section, typeof(ParleyOptions), validation.Failures);
        }

        var mode = options.IsCluster ? NodeMode.Cluster : NodeMode.Embedded;
        // The node's one clock: every deadline, timestamp and idle check reads it, so a test may
        // replace it (after this registration) and drive the node's time without sleeping.
        var clock = TimeProvider.System;
        var node = new NodeIdentity(options.NodeId.Length > 0 ? options.NodeId : NodeIdentity.NewId(), clock.GetUtcNow(), mode);
        var services = builder.Services;
        services.AddOptions<ParleyOptions>().Bind(builder.Configuration.GetSection(ParleyOptions.Section));
        // Raw keys are checked at start only: a reload that failed validation would make every
        // read of the options throw, so a typo edited in later must not take a running node down.
        services.AddSingleton<IValidateOptions<ParleyOptions>, ParleyOptionsValidator>();
        services.AddSingleton(node);
        services.AddSingleton(clock);
        services.Configure<HostOptions>(h => h.ShutdownTimeout = options.Drain.Window + options.Drain.FlushTimeout + TimeSpan.FromSeconds(5));
        var fileLimit = OpenFileLimit.Current();
        var connectionCap = OpenFileLimit.ConnectionCap(options.Limits.MaxConnections, fileLimit);
        if (options.Limits.MaxConnections > 0 && fileLimit is { } limit && options.Limits.MaxConnections > limit - OpenFileLimit.MinimumReserve)
        {
            // Past the limit the runtime itself fails (a new thread needs descriptors) and aborts the process.
            throw new OptionsValidationException(ParleyOptions.Section, typeof(ParleyOptions), [
                $"Parley:Limits:MaxConnections ({options.Limits.MaxConnections}) must leave {OpenFileLimit.MinimumReserve} of the process's open-file limit ({limit}) free; raise the limit or lower the cap."]);
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            // Past the cap Kestrel closes a new connection at once, so descriptors never run out.
            k.Limits.MaxConcurrentConnections = connectionCap;
            // The same deadline as a head the direct upgrade waits for, for heads it passes on.
            k.Limits.RequestHeadersTimeout = options.Limits.RequestHeadTimeout;
            DirectUpgrade.Install(k);
        });
        // Registered last, so Kestrel tries it before its own socket transport.
        services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, PausingSocketTransportFactory>();

        var earlyLoggers = new DeferredLoggerFactory();
        if (mode == NodeMode.Cluster)
        {
            await ClusterBackends.AddAsync(services, options, earlyLoggers, cancellationToken);
        }
        else
        {
            await EmbeddedBackends.AddAsync(services, options, cancellationToken);
        }

        TenantDirectory.Add(services, options);
        Verification.Add(services, options);
        AddCore(services);
        services.AddOpenApi(OpenApiSetup.Configure);
        configureServices?.Invoke(services);

        var app = builder.Build();
        earlyLoggers.Attach(app.Services.GetRequiredService<ILoggerFactory>());
        var hostingLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Parley.Node.Hosting");
        foreach (var unknown in Parley.Configuration.UnknownSettings.Find(parleySection, typeof(ParleyOptions)))
        {
            NodeLog.UnknownSetting(hostingLogger, unknown.Key, unknown.Nearest);
        }

        NodeLog.ConnectionCap(hostingLogger, connectionCap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited", fileLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
        // Before the WebSocket middleware, so /v1/ws sockets write through a coalescing stream.
        CoalescingUpgradeFeature.Install(app, DirectUpgrade.Path);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Services.GetRequiredService<PrometheusExporter>();
        var endpoint = app.Services.GetRequiredService<WebSocketEndpoint>();
        app.Map(DirectUpgrade.Path, endpoint.HandleAsync).ExcludeFromDescription();
        PublishEndpoints.Map(app);
        ReadEndpoints.Map(app);
        HealthEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        WebConfigEndpoints.Map(app);
        DevSignInEndpoints.Map(app);
        OpsOverviewEndpoints.Map(app);
        app.MapOpenApi();
        WebApp.Map(app, options.Web);
        return app;
    }

    /// <summary>
    /// appsettings.json is still re-read when it changes, but by polling it (every 4 s) instead of
    /// watching the content root: that watch covers every directory below it, the data directory
    /// included when it lies there (the default, <c>data</c>), so every store write woke a watcher
    /// thread (about a fifth of the CPU of a busy embedded node).
    /// </summary>
    private static void PollSettingsFiles(WebApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path: { } path } json && path.StartsWith("appsettings", StringComparison.Ordinal))
            {
                sources[i] = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
                {
                    Path = path,
                    Optional = json.Optional,
                    ReloadOnChange = true,
                    ReloadDelay = json.ReloadDelay,
                    FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(builder.Environment.ContentRootPath)
                    {
                        UsePollingFileWatcher = true,
                        UseActivePolling = true,
                    },
                };
            }
        }
    }

    /// <summary>What every mode shares.</summary>
    private static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton<RoomPolicies>();
        services.AddSingleton(sp => new GroupCommitBatcher(
            sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IOptions<ParleyOptions>>().Value.Store,
            sp.GetRequiredService<StoreMetrics>(),
            sp.GetRequiredService<ILogger<GroupCommitBatcher>>(),
            sp.GetRequiredService<CommitFanout>()));
        services.AddHostedService<RetentionTrimmer>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<ConnectionMetrics>();
        services.AddSingleton<ProcessMetrics>();
        services.AddSingleton(sp =>
        {
            // Npgsql's own meter reports pool usage and waits: the pool-saturation alert.
            var exporter = new PrometheusExporter(meter => meter.Name.StartsWith("Parley", StringComparison.Ordinal) || meter.Name == "Npgsql");
            // Created after the exporter listens, so the zero each counter starts its known series
            // at is seen: a scrape lists every series before its first event, and an alert on a
            // counter's rate fires at the first one.
            sp.GetRequiredService<ProcessMetrics>();
            sp.GetRequiredService<StoreMetrics>();
            sp.GetRequiredService<DeliveryMetrics>();
            sp.GetRequiredService<ConnectionMetrics>();
            // Created before the exporter, with the Redis connections it counts for.
            sp.GetService<RedisMetrics>()?.ReportZeros();
            return exporter;
        });
        services.AddSingleton<StreamDispatcher>();
        services.AddSingleton<CommitFanout>();
        services.AddSingleton<MessagePublisher>();
        // Both modes: a message committed but never fanned out (its node died between the two, or
        // the broker lost it) reaches members within one interval even when no later message reveals it.
        services.AddHostedService(sp => new HeadCheck(
            sp.GetRequiredService<StreamDispatcher>(),
            sp.GetRequiredService<IOptions<ParleyOptions>>().Value.Cluster.HeadCheckInterval,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<TenantLimits>();
        services.AddSingleton<MemoryGuard>();
        services.AddSingleton<AdmissionGate>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<SessionServices>();
        services.AddSingleton<ConnectionServer>();
        services.AddSingleton<WebSocketEndpoint>();
        services.AddSingleton<DirectUpgrade>();
        services.AddSingleton<DrainState>();
        services.AddHostedService<ConnectionSupervisor>();
        services.AddHostedService<DrainService>();
        services.AddSingleton<NodeCounters>();
        services.AddSingleton<NodeSnapshot>();
        services.AddSingleton<DevSignInPolicy>();
        services.AddHostedService<NodeHeartbeat>();
    }
}

internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "The node holds at most {Cap} connections at once (open-file limit {FileLimit}).")]
    public static partial void ConnectionCap(ILogger logger, string cap, string fileLimit);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "The setting {Key} is not one the node knows, and is ignored; did you mean {Nearest}?")]
    public static partial void UnknownSetting(ILogger logger, string key, string nearest);
}
