namespace Parley.Auth.Store;

/// <summary>
/// A key a tenant's own backend signs tokens with. <see cref="Material"/> is the public key as
/// SubjectPublicKeyInfo PEM for ES256 and RS256, or the HMAC secret for HS256. An HS256 secret is
/// stored in plain form because nodes verify with the secret itself: it leaves the service only in
/// the operator-only internal listing, never through the tenant API.
/// </summary>
internal sealed record TenantKeyRecord(string Tenant, string KeyId, string Algorithm, string Material, DateTimeOffset Created);

/// <summary>
/// A tenant API key for the nodes' HTTP API, stored by the lowercase hex SHA-256 of the whole key
/// only. <see cref="Id"/> is unique across tenants (nodes report usage by id alone); a revoked key
/// is kept, flagged, so its revocation reaches every node.
/// </summary>
internal sealed record ApiKeyRecord(
    string Tenant,
    string Id,
    string Name,
    string Sha256,
    IReadOnlyList<string> Scopes,
    DateTimeOffset Created,
    DateTimeOffset? RevokedAt = null,
    DateTimeOffset? LastUsed = null);

internal enum CredentialCreation
{
    Created,

    /// <summary>The tenant has a key with this kid, or (API keys) the id or hash is taken anywhere.</summary>
    AlreadyExists,

    /// <summary>The tenant already holds the most keys (API keys: live keys) allowed.</summary>
    LimitReached,
    NoSuchTenant,
}

/// <summary>What nodes poll: every tenant, key and API key at one tenants revision.</summary>
internal sealed record DirectoryListing(long Revision, IReadOnlyList<TenantRecord> Tenants, IReadOnlyList<TenantKeyRecord> Keys, IReadOnlyList<ApiKeyRecord> ApiKeys);
