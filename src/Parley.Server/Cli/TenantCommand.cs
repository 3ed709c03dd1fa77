using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley tenant create|list|quota|disable|enable</c>: tenant administration through the auth
/// service (docs/auth-service.md). Nodes polling the service apply every change within seconds.
/// </summary>
internal static class TenantCommand
{
    /// <summary>The quota options: option name, the quota's field path in the API, and whether it is a whole number.</summary>
    private static readonly (string Option, string Field, string Description, QuotaKind Kind)[] QuotaOptions =
    [
        ("--max-users", "maxUsers", "Most users the tenant may have (enforced by the auth service).", QuotaKind.Count),
        ("--max-connections", "maxConnections", "Most connections of the tenant across the cluster.", QuotaKind.Count),
        ("--max-online-users", "maxOnlineUsers", "Most users of the tenant online at once.", QuotaKind.Count),
        ("--publishes-per-second", "publishesPerSecond", "Publishes per second of the tenant.", QuotaKind.Rate),
        ("--max-message-bytes", "maxMessageBytes", "Largest message body, in bytes.", QuotaKind.Count),
        ("--rooms-per-connection", "roomsPerConnection", "Most rooms one connection may join.", QuotaKind.Count),
        ("--retention-messages", "retention.maxMessagesPerStream", "Messages kept per room or user stream.", QuotaKind.Count),
        ("--retention-max-age", "retention.maxAgeSeconds", "How long messages are kept: 90s, 30m, 12h, 7d or hh:mm:ss.", QuotaKind.Duration),
    ];

    private enum QuotaKind
    {
        Count,
        Rate,
        Duration,
    }

    public static Command Create() => new("tenant", "Administer tenants through the auth service.")
    {
        CreateCommand(),
        ListCommand(),
        QuotaCommand(),
        SwitchCommand("disable", disabled: true),
        SwitchCommand("enable", disabled: false),
    };

    private static Command CreateCommand()
    {
        var id = new Argument<string>("id") { Description = "Tenant id (letters, digits, '_', '-', '.', ':'; at most 64)." };
        var name = new Option<string?>("--name") { Description = "Display name (default: the id)." };
        var admin = new Option<string>("--admin") { Description = "User id of the tenant's first administrator.", Required = true };
        var password = new Option<string>("--password") { Description = "The administrator's password; '-' reads it from standard input.", Required = true };
        var command = new Command("create", "Create a tenant with its first administrator.") { id, name, admin, password };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var tenantId = result.GetValue(id)!;
            var body = new { id = tenantId, name = result.GetValue(name), admin = new { user = result.GetValue(admin), password = AdminClient.Secret(result.GetValue(password)!) } };
            var created = await client.SendAsync(HttpMethod.Post, "/api/v1/tenants", body, ct);
            Console.WriteLine($"Created tenant {tenantId} (\"{created.GetProperty("name").GetString()}\") with administrator {result.GetValue(admin)}.");
            return 0;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List every tenant with its state and quotas.");
        AdminClient.SetAction(command, async (_, client, ct) =>
        {
            var listing = await client.SendAsync(HttpMethod.Get, "/api/v1/tenants", null, ct);
            var rows = listing.GetProperty("tenants").EnumerateArray()
                .Select(t => new[]
                {
                    t.GetProperty("id").GetString()!,
                    t.GetProperty("name").GetString()!,
                    t.GetProperty("disabled").GetBoolean() ? "disabled" : "enabled",
                    DescribeQuotas(t.GetProperty("quotas")),
                })
                .ToList();
            Console.Write(rows.Count == 0 ? "No tenants.\n" : Table(["ID", "NAME", "STATE", "QUOTAS"], rows));
            return 0;
        });
        return command;
    }

    private static Command QuotaCommand()
    {
        var id = new Argument<string>("id") { Description = "Tenant id." };
        var options = QuotaOptions.Select(q => (Spec: q, Option: new Option<string?>(q.Option) { Description = q.Description + " 'none' removes the tenant's own value." })).ToList();
        var command = new Command("quota", "Change a tenant's quotas; only the quotas given change. Without options, shows them.") { id };
        foreach (var (_, option) in options)
        {
            command.Options.Add(option);
        }

        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var tenantId = result.GetValue(id)!;
            var changes = new List<(string Field, JsonNode? Value)>();
            foreach (var (spec, option) in options)
            {
                if (result.GetValue(option) is not { } text)
                {
                    continue;
                }

                if (!TryParseQuota(text, spec.Kind, out var value))
                {
                    return AdminClient.UsageError($"{spec.Option} takes {(spec.Kind == QuotaKind.Duration ? "a duration such as 7d or 12h" : "a number")}, or 'none'.");
                }

                changes.Add((spec.Field, value));
            }

            var path = "/api/v1/tenants/" + AdminClient.Segment(tenantId);
            var tenant = await client.SendAsync(HttpMethod.Get, path, null, ct);
            var quotas = JsonNode.Parse(tenant.GetProperty("quotas").GetRawText())!.AsObject();
            if (changes.Count > 0)
            {
                // PATCH replaces the quotas whole: the current ones, merged with the changes, are sent back.
                foreach (var (field, value) in changes)
                {
                    Set(quotas, field, value);
                }

                var updated = await client.SendAsync(HttpMethod.Patch, path, new JsonObject { ["quotas"] = quotas }, ct);
                quotas = JsonNode.Parse(updated.GetProperty("quotas").GetRawText())!.AsObject();
            }

            Console.WriteLine($"Quotas of {tenantId}: {DescribeQuotas(JsonSerializer.SerializeToElement(quotas))}");
            return 0;
        });
        return command;
    }

    private static Command SwitchCommand(string name, bool disabled)
    {
        var id = new Argument<string>("id") { Description = "Tenant id." };
        var command = new Command(name, disabled
            ? "Disable a tenant: nodes close its connections (code 4502) and refuse new ones; its users cannot log in."
            : "Enable a disabled tenant again.") { id };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var tenantId = result.GetValue(id)!;
            await client.SendAsync(HttpMethod.Patch, "/api/v1/tenants/" + AdminClient.Segment(tenantId), new { disabled }, ct);
            Console.WriteLine(disabled ? $"Tenant {tenantId} disabled." : $"Tenant {tenantId} enabled.");
            return 0;
        });
        return command;
    }

    private static bool TryParseQuota(string text, QuotaKind kind, out JsonNode? value)
    {
        value = null;
        if (text == "none")
        {
            return true;
        }

        switch (kind)
        {
            case QuotaKind.Count when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count):
                value = count;
                return true;
            case QuotaKind.Rate when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate):
                value = rate;
                return true;
            case QuotaKind.Duration when TokenCommand.TryParseDuration(text, out var duration):
                value = (long)Math.Ceiling(duration.TotalSeconds);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Sets (or, for null, removes) a field given as a dotted path, creating or dropping the nested object as needed.</summary>
    private static void Set(JsonObject quotas, string field, JsonNode? value)
    {
        var dot = field.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            quotas.Remove(field);
            if (value is not null)
            {
                quotas[field] = value;
            }

            return;
        }

        var parent = field[..dot];
        var nested = quotas[parent] as JsonObject ?? [];
        quotas.Remove(parent);
        Set(nested, field[(dot + 1)..], value);
        if (nested.Count > 0)
        {
            quotas[parent] = nested;
        }
    }

    /// <summary>The quotas as <c>name=value</c> pairs, nested ones dotted; "none" when the tenant has none of its own.</summary>
    private static string DescribeQuotas(JsonElement quotas)
    {
        var pairs = new List<string>();
        void Walk(JsonElement element, string prefix)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    Walk(property.Value, prefix + property.Name + ".");
                }
                else
                {
                    pairs.Add($"{prefix}{property.Name}={property.Value.GetRawText()}");
                }
            }
        }

        if (quotas.ValueKind == JsonValueKind.Object)
        {
            Walk(quotas, "");
        }

        return pairs.Count == 0 ? "none" : string.Join(' ', pairs);
    }

    /// <summary>Columns padded to their widest cell, two spaces apart; the last column is not padded.</summary>
    internal static string Table(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend([.. headers]))
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
