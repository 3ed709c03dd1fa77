using System.Text.Json.Serialization;
using Parley.Auth.Store;

namespace Parley.Auth.Http;

internal sealed record TenantView(string Id, string Name, bool Disabled, bool SelfRegistration, TenantQuotas Quotas, DateTimeOffset Created)
{
    public static TenantView Of(TenantRecord tenant) => new(tenant.Id, tenant.Name, tenant.Disabled, tenant.SelfRegistration, tenant.Quotas, tenant.Created);
}

internal sealed record TenantsView(long Version, IReadOnlyList<TenantView> Tenants);

internal sealed record UserView(string Tenant, string User, string Role, IReadOnlyList<string> Rooms, DateTimeOffset Created)
{
    public static UserView Of(UserRecord user) => new(user.Tenant, user.Id, StoredJson.Role(user.Role), user.Rooms, user.Created);
}

internal sealed record UsersView(IReadOnlyList<UserView> Users);

/// <summary>The token response, with the field names of OAuth 2 (RFC 6749 section 5.1).</summary>
internal sealed record TokenView(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string RefreshToken);

/// <summary>A tenant's signing key as its administrators see it: an HS256 secret is never shown, only that there is one.</summary>
internal sealed record TenantKeyView(string Kid, string Alg, string? Pem, bool? HasSecret, DateTimeOffset Created)
{
    public static TenantKeyView Of(TenantKeyRecord key) => key.Algorithm == Credentials.TenantKeyMaterial.HS256
        ? new(key.KeyId, key.Algorithm, null, true, key.Created)
        : new(key.KeyId, key.Algorithm, key.Material, null, key.Created);
}

internal sealed record TenantKeysView(IReadOnlyList<TenantKeyView> Keys);

/// <summary>An API key without its secret, which is shown once, at creation, and never stored.</summary>
internal sealed record ApiKeyView(string Id, string Name, IReadOnlyList<string> Scopes, bool Revoked, DateTimeOffset Created, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsed)
{
    public static ApiKeyView Of(ApiKeyRecord key) => new(key.Id, key.Name, key.Scopes, key.RevokedAt is not null, key.Created, key.RevokedAt, key.LastUsed);
}

/// <summary>The answer to a creation: the one time the key itself is sent.</summary>
internal sealed record NewApiKeyView(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset Created, string Key);

internal sealed record ApiKeysView(IReadOnlyList<ApiKeyView> ApiKeys);

/// <summary>What nodes poll: every tenant's switch, quotas, signing keys and API key hashes at one version.</summary>
internal sealed record InternalTenantsView(long Version, IReadOnlyList<InternalTenantView> Tenants);

internal sealed record InternalTenantView(string Id, bool Disabled, TenantQuotas Quotas, IReadOnlyList<InternalKeyView> Keys, IReadOnlyList<InternalApiKeyView> ApiKeys);

/// <summary>A tenant key for nodes: <c>pem</c> for ES256 and RS256, <c>secret</c> for HS256 (nodes verify with the secret itself).</summary>
internal sealed record InternalKeyView(string Kid, string Alg, string? Pem, string? Secret)
{
    public static InternalKeyView Of(TenantKeyRecord key) => key.Algorithm == Credentials.TenantKeyMaterial.HS256
        ? new(key.KeyId, key.Algorithm, null, key.Material)
        : new(key.KeyId, key.Algorithm, key.Material, null);
}

internal sealed record InternalApiKeyView(string Id, string Sha256, IReadOnlyList<string> Scopes, bool Revoked)
{
    public static InternalApiKeyView Of(ApiKeyRecord key) => new(key.Id, key.Sha256, key.Scopes, key.RevokedAt is not null);
}

internal sealed record JwksView(IReadOnlyList<JwkView> Keys);

internal sealed record JwkView(string Kty, string Crv, string X, string Y, string Kid, string Alg, string Use);
