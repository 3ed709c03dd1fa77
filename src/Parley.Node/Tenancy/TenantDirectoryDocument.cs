using System.Text.Json;

namespace Parley.Node.Tenancy;

/// <summary>
/// Reads the auth service's tenant listing (<c>GET /internal/v1/tenants</c>, docs/auth-service.md):
/// <c>{"version":N,"tenants":[{"id","disabled","quotas":{…,"retention":{…}},"keys":[…],"apiKeys":[…]}]}</c>.
/// Unknown fields are ignored; a tenant id or key that breaks the rules is skipped, never trusted.
/// </summary>
internal static class TenantDirectoryDocument
{
    public static (long Version, IReadOnlyList<TenantSettings> Tenants) Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var version = root.TryGetProperty("version", out var v) && v.TryGetInt64(out var n) ? n : 0;
        var tenants = new List<TenantSettings>();
        if (root.TryGetProperty("tenants", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (String(item, "id") is { } id && Identifiers.IsValid(id))
                {
                    tenants.Add(new TenantSettings(id, Bool(item, "disabled"), Quotas(item), Keys(item), ApiKeys(item)));
                }
            }
        }

        return (version, tenants);
    }

    private static TenantQuotas Quotas(JsonElement tenant)
    {
        if (!tenant.TryGetProperty("quotas", out var q) || q.ValueKind != JsonValueKind.Object)
        {
            return TenantQuotas.None;
        }

        // The auth service nests retention as {"retention":{"maxMessagesPerStream","maxAgeSeconds"}}.
        var retention = q.TryGetProperty("retention", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        var nested = retention.ValueKind == JsonValueKind.Object;
        var maxAge = nested ? Number(retention, "maxAgeSeconds") : Number(q, "retentionMaxAgeSeconds");
        return new TenantQuotas(
            Int(q, "maxConnections"),
            Int(q, "maxOnlineUsers"),
            Number(q, "publishesPerSecond"),
            Int(q, "maxMessageBytes"),
            Int(q, "roomsPerConnection"),
            nested ? Int(retention, "maxMessagesPerStream") : Int(q, "retentionMaxMessages"),
            maxAge is > 0 ? TimeSpan.FromSeconds(maxAge.Value) : null);
    }

    private static List<TenantKey> Keys(JsonElement tenant)
    {
        var keys = new List<TenantKey>();
        if (tenant.TryGetProperty("keys", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var key in list.EnumerateArray())
            {
                var alg = String(key, "alg");
                var material = alg == "HS256" ? String(key, "secret") : String(key, "pem");
                if (alg is "HS256" or "ES256" or "RS256" && !string.IsNullOrEmpty(material))
                {
                    keys.Add(new TenantKey(String(key, "kid") ?? "", alg, material));
                }
            }
        }

        return keys;
    }

    private static List<ApiKeyRecord> ApiKeys(JsonElement tenant)
    {
        var keys = new List<ApiKeyRecord>();
        if (tenant.TryGetProperty("apiKeys", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var key in list.EnumerateArray())
            {
                if (String(key, "id") is { } id && String(key, "sha256") is { Length: 64 } hash)
                {
                    var scopes = key.TryGetProperty("scopes", out var s) && s.ValueKind == JsonValueKind.Array
                        ? s.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                        : [];
                    keys.Add(new ApiKeyRecord(id, hash.ToLowerInvariant(), scopes, Bool(key, "revoked")));
                }
            }
        }

        return keys;
    }

    private static string? String(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static bool Bool(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.True;

    private static int? Int(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) && n >= 0 ? n : null;

    private static double? Number(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDouble(out var n) && n >= 0 ? n : null;
}
