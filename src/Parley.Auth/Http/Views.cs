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

/// <summary>What nodes poll: every tenant's switch and quotas at one version.</summary>
internal sealed record InternalTenantsView(long Version, IReadOnlyList<InternalTenantView> Tenants);

internal sealed record InternalTenantView(string Id, bool Disabled, TenantQuotas Quotas);

internal sealed record JwksView(IReadOnlyList<JwkView> Keys);

internal sealed record JwkView(string Kty, string Crv, string X, string Y, string Kid, string Alg, string Use);
