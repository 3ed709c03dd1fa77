using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Auth.Store;

/// <summary>The JSON columns both stores share: quotas, room patterns and API key scopes, in the same form as the HTTP API.</summary>
internal static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Quotas(TenantQuotas quotas) => JsonSerializer.Serialize(quotas, Options);

    public static TenantQuotas Quotas(string json) => JsonSerializer.Deserialize<TenantQuotas>(json, Options) ?? TenantQuotas.None;

    public static string Rooms(IReadOnlyList<string> rooms) => JsonSerializer.Serialize(rooms, Options);

    public static IReadOnlyList<string> Rooms(string json) => JsonSerializer.Deserialize<string[]>(json, Options) ?? [];

    public static string Scopes(IReadOnlyList<string> scopes) => JsonSerializer.Serialize(scopes, Options);

    public static IReadOnlyList<string> Scopes(string json) => JsonSerializer.Deserialize<string[]>(json, Options) ?? [];

    public static string Role(UserRole role) => role == UserRole.Admin ? "admin" : "member";

    public static UserRole Role(string role) => role switch
    {
        "admin" => UserRole.Admin,
        "member" => UserRole.Member,
        _ => throw new InvalidDataException($"The store holds an unknown role '{role}'."),
    };
}
