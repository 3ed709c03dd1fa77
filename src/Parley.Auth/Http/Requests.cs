using System.Text.Json.Serialization;
using Parley.Auth.Store;

namespace Parley.Auth.Http;

internal sealed record CreateTenantRequest(string? Id, string? Name, NewUserRequest? Admin, TenantQuotas? Quotas, bool? SelfRegistration);

internal sealed record NewUserRequest(string? User, string? Password);

internal sealed record UpdateTenantRequest(string? Name, bool? Disabled, bool? SelfRegistration, TenantQuotas? Quotas);

internal sealed record CreateUserRequest(string? User, string? Password, List<string?>? Rooms, string? Role);

internal sealed record UpdateUserRequest(List<string?>? Rooms, string? Role, string? Password);

internal sealed record CredentialsRequest(string? Tenant, string? User, string? Password);

internal sealed record RefreshRequest([property: JsonPropertyName("refresh_token")] string? RefreshToken);

internal sealed record CreateTenantKeyRequest(string? Kid, string? Alg, string? Pem, string? Secret);

internal sealed record CreateApiKeyRequest(string? Name, List<string?>? Scopes);

/// <summary>What a node reports: when each API key id was last used on it.</summary>
internal sealed record ApiKeyUsageRequest(Dictionary<string, DateTimeOffset>? Usage);
