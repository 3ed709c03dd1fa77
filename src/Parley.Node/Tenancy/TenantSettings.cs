namespace Parley.Node.Tenancy;

/// <summary>
/// What the tenant directory says about one tenant: its switch, its quotas, the keys its own
/// backend signs tokens with, its API keys and its room policies. Null quotas leave the node's
/// configured limit.
/// </summary>
public sealed record TenantSettings(string Tenant, bool Disabled, TenantQuotas Quotas, IReadOnlyList<TenantKey> Keys, IReadOnlyList<ApiKeyRecord> ApiKeys)
{
    /// <summary>The tenant's own room policies; each replaces the node's policy of the same prefix for this tenant. Default none.</summary>
    public IReadOnlyList<RoomPolicy> RoomPolicies { get; init; } = [];

    public static TenantSettings Default(string tenant) => new(tenant, false, TenantQuotas.None, [], []);
}

/// <summary>Per-tenant quotas, each null when the directory sets none.</summary>
public sealed record TenantQuotas(
    int? MaxConnections = null,
    int? MaxOnlineUsers = null,
    double? PublishesPerSecond = null,
    int? MaxMessageBytes = null,
    int? RoomsPerConnection = null,
    int? RetentionMaxMessages = null,
    TimeSpan? RetentionMaxAge = null)
{
    public static TenantQuotas None { get; } = new();
}

/// <summary>
/// A key a tenant's own backend signs tokens with: a PEM public key (ES256, RS256) or an HMAC
/// secret (HS256). A token verified by it is valid only for that tenant.
/// </summary>
public sealed record TenantKey(string KeyId, string Algorithm, string Material);

/// <summary>An API key as nodes see it: its SHA-256 only, its scopes, and whether it was revoked.</summary>
public sealed record ApiKeyRecord(string Id, string Sha256, IReadOnlyList<string> Scopes, bool Revoked);
