namespace Parley.Auth.Store;

/// <summary>
/// A tenant. <see cref="Revision"/> is the tenants revision of its latest change. A disabled tenant's
/// users can neither log in nor refresh; nodes close its connections (through the internal listing).
/// </summary>
internal sealed record TenantRecord(string Id, string Name, bool Disabled, bool SelfRegistration, TenantQuotas Quotas, DateTimeOffset Created, long Revision = 0);

/// <summary>
/// A tenant's quotas. Null means the tenant has no value of its own: nodes apply their configured
/// default, and the auth service sets no user limit.
/// </summary>
internal sealed record TenantQuotas(
    int? MaxUsers = null,
    int? MaxConnections = null,
    int? MaxOnlineUsers = null,
    double? PublishesPerSecond = null,
    int? MaxMessageBytes = null,
    int? RoomsPerConnection = null,
    TenantRetention? Retention = null)
{
    public static TenantQuotas None { get; } = new();
}

/// <summary>How long a tenant's messages are kept; null keeps the nodes' default.</summary>
internal sealed record TenantRetention(int? MaxMessagesPerStream = null, long? MaxAgeSeconds = null);

/// <summary>Every tenant at one tenants revision.</summary>
internal sealed record TenantListing(long Revision, IReadOnlyList<TenantRecord> Tenants);

/// <summary>Fields of a tenant to change; null leaves a field as it is.</summary>
internal sealed record TenantUpdate(string? Name = null, bool? Disabled = null, bool? SelfRegistration = null, TenantQuotas? Quotas = null);

internal enum UserRole
{
    Member,
    Admin,
}

/// <summary>
/// A user. <see cref="Rooms"/> are the room patterns put in the user's tokens; empty allows no
/// room, only direct messages.
/// </summary>
internal sealed record UserRecord(string Tenant, string Id, string PasswordHash, UserRole Role, IReadOnlyList<string> Rooms, DateTimeOffset Created);

/// <summary>Fields of a user to change; null leaves a field as it is.</summary>
internal sealed record UserUpdate(UserRole? Role = null, IReadOnlyList<string>? Rooms = null, string? PasswordHash = null);

internal enum UserCreation
{
    Created,
    AlreadyExists,
    QuotaExceeded,
    NoSuchTenant,
}

/// <summary>
/// A refresh token, stored by the SHA-256 of its value only. Every token issued by rotation shares
/// the <see cref="FamilyId"/> of the login that started the chain.
/// </summary>
internal sealed record RefreshTokenRecord(
    string IdHash,
    string FamilyId,
    string Tenant,
    string User,
    DateTimeOffset Issued,
    DateTimeOffset Expires,
    DateTimeOffset? UsedAt = null,
    DateTimeOffset? RevokedAt = null)
{
    /// <summary>What presenting this token at <paramref name="now"/> means; the same rule in every store.</summary>
    public RefreshStatus StatusAt(DateTimeOffset now) => this switch
    {
        { RevokedAt: not null } => RefreshStatus.Revoked,
        _ when Expires <= now => RefreshStatus.Expired,
        { UsedAt: not null } => RefreshStatus.Reused,
        _ => RefreshStatus.Rotated,
    };
}

internal enum RefreshStatus
{
    Rotated,
    Unknown,
    Expired,
    Revoked,

    /// <summary>Presented after it was used up: the family is revoked now.</summary>
    Reused,
}

/// <summary>The outcome of a rotation and the presented token as it was found (null when unknown).</summary>
internal sealed record RefreshRotation(RefreshStatus Status, RefreshTokenRecord? Token);

/// <summary>
/// A signing key. The private key is stored as PKCS#8 in plain form: encrypting it at rest (with a
/// key from outside the database) is out of scope for now, so the database must be protected like
/// the key itself. The key signs from its creation (when it is the only one) or from the moment
/// its predecessor retires; <see cref="RetiredAt"/> is when it stops signing (possibly in the
/// future) and <see cref="NotAfter"/> when it leaves the JWKS and is deleted.
/// </summary>
internal sealed record SigningKeyRecord(string KeyId, byte[] PrivateKeyPkcs8, DateTimeOffset Created, DateTimeOffset? RetiredAt = null, DateTimeOffset? NotAfter = null);

/// <summary>A key rotation: the successor, the condition, and the schedule of the keys it replaces.</summary>
internal sealed record KeyRotation(SigningKeyRecord Successor, DateTimeOffset DueIfNoneCreatedAfter, DateTimeOffset RetireAt, DateTimeOffset RetiredNotAfter);
