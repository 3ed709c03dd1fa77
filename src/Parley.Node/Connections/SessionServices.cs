using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Cluster;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Presence;
using Parley.Node.Publishing;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

/// <summary>What every session on this node shares; one instance per node.</summary>
internal sealed class SessionServices(
    IOptionsMonitor<ParleyOptions> options,
    NodeIdentity node,
    ITokenVerifier verifier,
    IMessageStore store,
    IPresenceStore presenceStore,
    IConnectionLimiter limiter,
    StreamDispatcher dispatcher,
    MessagePublisher publisher,
    PresenceTracker presence,
    TenantLimits tenantLimits,
    IPublishRateLimiter tenantRates,
    ConnectionRegistry registry,
    ConnectionMetrics metrics,
    MemoryGuard memory,
    TimeProvider clock,
    ILoggerFactory loggers,
    RoomPolicies policies)
{
    public ParleyOptions Options => options.CurrentValue;

    public NodeIdentity Node { get; } = node;

    public ITokenVerifier Verifier { get; } = verifier;

    public IMessageStore Store { get; } = store;

    public IPresenceStore PresenceStore { get; } = presenceStore;

    public IConnectionLimiter Limiter { get; } = limiter;

    public StreamDispatcher Dispatcher { get; } = dispatcher;

    public MessagePublisher Publisher { get; } = publisher;

    public PresenceTracker Presence { get; } = presence;

    public TenantLimits TenantLimits { get; } = tenantLimits;

    public IPublishRateLimiter TenantRates { get; } = tenantRates;

    public ConnectionRegistry Registry { get; } = registry;

    public ConnectionMetrics Metrics { get; } = metrics;

    public MemoryGuard Memory { get; } = memory;

    public TimeProvider Clock { get; } = clock;

    public RoomPolicies Policies { get; } = policies;

    public ILogger Logger { get; } = loggers.CreateLogger("Parley.Node.Connections");
}
