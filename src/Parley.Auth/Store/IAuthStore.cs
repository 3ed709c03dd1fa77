namespace Parley.Auth.Store;

/// <summary>
/// Where the auth service keeps tenants, users, refresh tokens and signing keys. Guarantees, for
/// every implementation:
/// <list type="bullet">
/// <item>Every method is atomic: it takes effect whole or not at all, even with several auth
/// service instances on one database.</item>
/// <item>A tenant's user quota holds under concurrent creations: the count and the insert happen
/// under one lock of the tenant.</item>
/// <item>A refresh token is rotated at most once; presenting a used one revokes its whole family
/// in the same transaction.</item>
/// <item>Every change to a tenant, its keys or its API keys raises the tenants revision, and
/// changes become visible in revision order, so a reader that saw revision n has seen every change
/// up to n. Users, refresh tokens and API key usage do not raise it.</item>
/// <item>A tenant's key and API key limits hold under concurrent creations, as its user quota does.</item>
/// <item>Of several instances due to rotate the signing key at once, exactly one does.</item>
/// </list>
/// </summary>
internal interface IAuthStore
{
    /// <summary>Creates a tenant with its first (administrator) user; false, writing nothing, when the id is taken.</summary>
    Task<bool> CreateTenantAsync(TenantRecord tenant, UserRecord admin, CancellationToken cancellationToken);

    Task<TenantRecord?> GetTenantAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Every tenant, ordered by id, with the revision they were read at.</summary>
    Task<TenantListing> ListTenantsAsync(CancellationToken cancellationToken);

    /// <summary>The current tenants revision alone: a cheap check whether anything changed.</summary>
    Task<long> GetTenantsRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Applies the non-null fields of <paramref name="update"/>; null when the tenant does not exist.</summary>
    Task<TenantRecord?> UpdateTenantAsync(string tenant, TenantUpdate update, CancellationToken cancellationToken);

    /// <summary>Adds a user to an existing tenant within its <see cref="TenantQuotas.MaxUsers"/>.</summary>
    Task<UserCreation> CreateUserAsync(UserRecord user, CancellationToken cancellationToken);

    Task<UserRecord?> GetUserAsync(string tenant, string user, CancellationToken cancellationToken);

    /// <summary>The tenant's users, ordered by id.</summary>
    Task<IReadOnlyList<UserRecord>> ListUsersAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Applies the non-null fields of <paramref name="update"/>; null when the user does not exist.</summary>
    Task<UserRecord?> UpdateUserAsync(string tenant, string user, UserUpdate update, CancellationToken cancellationToken);

    Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken);

    /// <summary>
    /// Uses up the refresh token with <paramref name="idHash"/> and issues its successor in the
    /// same family with <paramref name="successorHash"/>, or reports why not. A token used before
    /// is <see cref="RefreshStatus.Reused"/>: its whole family is revoked.
    /// </summary>
    Task<RefreshRotation> RotateRefreshTokenAsync(string idHash, string successorHash, DateTimeOffset now, DateTimeOffset successorExpires, CancellationToken cancellationToken);

    /// <summary>Revokes every token of the family of the token with <paramref name="idHash"/>; false when no such token exists.</summary>
    Task<bool> RevokeRefreshFamilyAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes refresh tokens expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredRefreshTokensAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every stored signing key, oldest first.</summary>
    Task<IReadOnlyList<SigningKeyRecord>> GetSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>
    /// When no key was created after <see cref="KeyRotation.DueIfNoneCreatedAfter"/>, adds the
    /// successor and schedules the retirement of every key not yet retired; otherwise (another
    /// instance rotated first) writes nothing and returns false.
    /// </summary>
    Task<bool> RotateSigningKeyAsync(KeyRotation rotation, CancellationToken cancellationToken);

    /// <summary>Deletes keys whose <see cref="SigningKeyRecord.NotAfter"/> has passed; returns how many.</summary>
    Task<int> DeleteExpiredSigningKeysAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Registers a tenant's signing key, unless its kid is taken in the tenant or the tenant holds <paramref name="maxPerTenant"/> keys.</summary>
    Task<CredentialCreation> AddTenantKeyAsync(TenantKeyRecord key, int maxPerTenant, CancellationToken cancellationToken);

    /// <summary>The tenant's signing keys, ordered by kid.</summary>
    Task<IReadOnlyList<TenantKeyRecord>> ListTenantKeysAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Deletes a tenant's signing key; false when the tenant has no key with this kid.</summary>
    Task<bool> DeleteTenantKeyAsync(string tenant, string keyId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an API key, unless its id or hash exists in any tenant or the tenant holds
    /// <paramref name="maxLivePerTenant"/> keys that are not revoked.
    /// </summary>
    Task<CredentialCreation> AddApiKeyAsync(ApiKeyRecord key, int maxLivePerTenant, CancellationToken cancellationToken);

    /// <summary>The tenant's API keys, revoked ones included, ordered by id.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes a tenant's API key at <paramref name="now"/> and returns it; a key revoked before
    /// keeps its first revocation time (and the revision does not move). Null when the tenant has no such key.
    /// </summary>
    Task<ApiKeyRecord?> RevokeApiKeyAsync(string tenant, string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Moves each named key's last-used time forward to the time given, never back; unknown ids are
    /// ignored. Returns how many keys changed.
    /// </summary>
    Task<int> RecordApiKeyUsageAsync(IReadOnlyDictionary<string, DateTimeOffset> usage, CancellationToken cancellationToken);

    /// <summary>Every tenant with its keys and API keys, for the nodes, at one revision.</summary>
    Task<DirectoryListing> ListDirectoryAsync(CancellationToken cancellationToken);

    /// <summary>A cheap round trip for readiness; throws when the store cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
