using System.Text.Json;

namespace Parley.Node.Tenancy;

/// <summary>
/// Reads the auth service's tenant listing (<c>GET /internal/v1/tenants</c>, docs/auth-service.md):
/// <c>{"version":N,"tenants":[{"id","disabled","quotas":{…,"retention":{…}},"keys":[…],"apiKeys":[…],"roomPolicies":[…]}]}</c>.
/// Unknown fields are ignored; a tenant id, key or room policy that breaks the rules is skipped, never trusted.
/// </summary>
internal static class TenantDirectoryDocument
{
    /// <summary>A hundred years: a longer age is read as this, so no listing can overflow a duration.</summary>
    private const double MaxAgeSecondsCap = 100 * 365.25 * 24 * 3600;

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
                    tenants.Add(new TenantSettings(id, Bool(item, "disabled"), Quotas(item), Keys(item), ApiKeys(item)) { RoomPolicies = RoomPolicies(item) });
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

    /// <summary>
    /// <c>"roomPolicies":[{"prefix":"cursor:","ephemeral":true,"presence":false,"joinLeaveEvents":false,
    /// "clientPublish":true,"maxMessagesPerStream":100,"maxAgeSeconds":3600}]</c>: every field but
    /// <c>prefix</c> optional, with the defaults of a room without policy. A policy whose prefix breaks
    /// the identifier rules, or repeats an earlier one, is skipped.
    /// </summary>
    private static List<RoomPolicy> RoomPolicies(JsonElement tenant)
    {
        var policies = new List<RoomPolicy>();
        if (tenant.TryGetProperty("roomPolicies", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in list.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.Object || String(p, "prefix") is not { } prefix || !Identifiers.IsValid(prefix)
                    || policies.Exists(x => x.Prefix == prefix))
                {
                    continue;
                }

                var maxAge = Number(p, "maxAgeSeconds");
                var presence = BoolOr(p, "presence", true);
                policies.Add(new RoomPolicy(
                    prefix,
                    Ephemeral: BoolOr(p, "ephemeral", false),
                    MaxMessages: Int(p, "maxMessagesPerStream"),
                    MaxAge: maxAge is { } seconds ? TimeSpan.FromSeconds(Math.Min(seconds, MaxAgeSecondsCap)) : null,
                    Presence: presence,
                    JoinLeaveEvents: presence && BoolOr(p, "joinLeaveEvents", true),
                    ClientPublish: BoolOr(p, "clientPublish", true)));
            }
        }

        return policies;
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

    private static bool BoolOr(JsonElement e, string name, bool absent)
        => e.TryGetProperty(name, out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.GetBoolean() : absent;

    private static int? Int(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) && n >= 0 ? n : null;

    private static double? Number(JsonElement e, string name)
        => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDouble(out var n) && n >= 0 ? n : null;
}
