namespace Parley.Node.Limits;

/// <summary>
/// Connection slots per user and per tenant, and the distinct users online in a tenant, counted
/// across the cluster. Acquire is atomic (never count-then-add), and every slot carries a TTL
/// renewed by its node's heartbeat, so the slots of a node that died expire by themselves. A user
/// is online in a tenant while they hold at least one live slot there.
/// </summary>
public interface IConnectionLimiter
{
    Task<SlotResult> TryAcquireAsync(ConnectionSlot slot, ConnectionQuota quota, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the TTL of slots this node holds and returns those it did not find: expired, or lost
    /// with the store (a Redis restart). Those are left missing; the caller takes again the ones
    /// whose connections still live, so a live connection is never left uncounted.
    /// </summary>
    Task<IReadOnlyList<ConnectionSlot>> RenewAsync(IReadOnlyList<ConnectionSlot> slots, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Frees a slot; releasing one not held is a no-op.</summary>
    Task ReleaseAsync(ConnectionSlot slot, CancellationToken cancellationToken);

    /// <summary>Live slots of a user (tests and health).</summary>
    Task<int> CountUserAsync(string tenant, string user, CancellationToken cancellationToken);

    /// <summary>Live slots of a tenant.</summary>
    Task<int> CountTenantAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Distinct users of a tenant holding at least one live slot.</summary>
    Task<int> CountOnlineUsersAsync(string tenant, CancellationToken cancellationToken);
}

/// <summary>One connection's claim on the limits.</summary>
public readonly record struct ConnectionSlot(string Tenant, string User, string ConnectionId);

/// <summary>
/// The limits a slot is checked against: connections of the user, connections of the tenant, and
/// distinct users online in the tenant. The online limit never refuses a user already online.
/// </summary>
public readonly record struct ConnectionQuota(Limit PerUser, Limit PerTenant, Limit OnlineUsersPerTenant);

/// <summary>What an acquire did; refusals are reported in the order the limits are checked.</summary>
public enum SlotResult
{
    Acquired,
    UserLimitReached,
    TenantLimitReached,
    OnlineUsersLimitReached,
}
