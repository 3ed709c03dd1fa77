using Microsoft.Extensions.Options;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Limits;

/// <summary>The limits in force for one tenant: the node-wide values with that tenant's overrides applied.</summary>
internal sealed record EffectiveLimits(
    int MaxMessageBytes,
    double PublishesPerSecond,
    int PublishBurst,
    double TenantPublishesPerSecond,
    int RoomsPerConnection,
    Limit ConnectionsPerUser,
    Limit ConnectionsPerTenant,
    Limit OnlineUsersPerTenant,
    bool Disabled)
{
    /// <summary>The limits a new connection's slot is checked against.</summary>
    public ConnectionQuota ConnectionQuota => new(ConnectionsPerUser, ConnectionsPerTenant, OnlineUsersPerTenant);
}

/// <summary>
/// Resolves a tenant's limits: the tenant directory's quotas (edited at runtime through the auth
/// service) over the configured per-tenant overrides over the node-wide values. Read on every use,
/// so a change applies to the next request without a restart. A tenant is disabled when either the
/// directory or the configuration says so.
/// </summary>
internal sealed class TenantLimits(IOptionsMonitor<ParleyOptions> options, ITenantDirectory directory)
{
    public EffectiveLimits For(string tenant)
    {
        var limits = options.CurrentValue.Limits;
        limits.Tenants.TryGetValue(tenant, out var o);
        var settings = directory.Find(tenant);
        var q = settings?.Quotas;
        return new EffectiveLimits(
            q?.MaxMessageBytes ?? o?.MaxMessageBytes ?? limits.MaxMessageBytes,
            o?.PublishesPerSecond ?? limits.PublishesPerSecond,
            limits.PublishBurst,
            q?.PublishesPerSecond ?? o?.TenantPublishesPerSecond ?? limits.TenantPublishesPerSecond,
            q?.RoomsPerConnection ?? o?.RoomsPerConnection ?? limits.RoomsPerConnection,
            Limit.Of(o?.ConnectionsPerUser ?? limits.ConnectionsPerUser),
            Limit.Of(q?.MaxConnections ?? o?.ConnectionsPerTenant ?? limits.ConnectionsPerTenant),
            Limit.Of(q?.MaxOnlineUsers ?? o?.OnlineUsersPerTenant ?? limits.OnlineUsersPerTenant),
            (settings?.Disabled ?? false) || (o?.Disabled ?? false));
    }
}
