namespace Parley.Server.Limits;

/// <summary>
/// Connection slots per user and per tenant, counted across the cluster. Acquire is atomic (never
/// count-then-add), and every slot carries a TTL renewed by its node's heartbeat, so the slots of
/// a node that died expire by themselves.
/// </summary>
public interface IConnectionLimiter
{
    Task<SlotResult> TryAcquireAsync(ConnectionSlot slot, ConnectionQuota quota, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Extends the TTL of slots this node still holds.</summary>
    Task RenewAsync(IReadOnlyList<ConnectionSlot> slots, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Frees a slot; releasing one not held is a no-op.</summary>
    Task ReleaseAsync(ConnectionSlot slot, CancellationToken cancellationToken);

    /// <summary>Live slots of a user (tests and health).</summary>
    Task<int> CountUserAsync(string tenant, string user, CancellationToken cancellationToken);

    /// <summary>Live slots of a tenant.</summary>
    Task<int> CountTenantAsync(string tenant, CancellationToken cancellationToken);
}

/// <summary>One connection's claim on the limits.</summary>
public readonly record struct ConnectionSlot(string Tenant, string User, string ConnectionId);

/// <summary>The limits a slot is checked against.</summary>
public readonly record struct ConnectionQuota(Limit PerUser, Limit PerTenant);

public enum SlotResult
{
    Acquired,
    UserLimitReached,
    TenantLimitReached,
}
