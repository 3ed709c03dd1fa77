using Microsoft.Extensions.Options;
using Parley.Server.Options;

namespace Parley.Server.Limits;

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
/// Resolves a tenant's limits from the current options, so an edited configuration applies to the
/// next request without a restart.
/// </summary>
internal sealed class TenantLimits(IOptionsMonitor<ParleyOptions> options)
{
    public EffectiveLimits For(string tenant)
    {
        var limits = options.CurrentValue.Limits;
        limits.Tenants.TryGetValue(tenant, out var o);
        return new EffectiveLimits(
            o?.MaxMessageBytes ?? limits.MaxMessageBytes,
            o?.PublishesPerSecond ?? limits.PublishesPerSecond,
            limits.PublishBurst,
            o?.TenantPublishesPerSecond ?? limits.TenantPublishesPerSecond,
            o?.RoomsPerConnection ?? limits.RoomsPerConnection,
            Limit.Of(o?.ConnectionsPerUser ?? limits.ConnectionsPerUser),
            Limit.Of(o?.ConnectionsPerTenant ?? limits.ConnectionsPerTenant),
            Limit.Of(o?.OnlineUsersPerTenant ?? limits.OnlineUsersPerTenant),
            o?.Disabled ?? false);
    }
}
