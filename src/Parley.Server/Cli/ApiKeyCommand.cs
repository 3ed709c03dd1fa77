using System.CommandLine;
using System.Globalization;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley apikey create|list|revoke</c>: a tenant's API keys for the nodes' HTTP API, through
/// the auth service. A new key is printed once; the service keeps only its hash.
/// </summary>
internal static class ApiKeyCommand
{
    public static Command Create() => new("apikey", "Administer a tenant's API keys through the auth service.")
    {
        CreateCommand(),
        ListCommand(),
        RevokeCommand(),
    };

    private static Command CreateCommand()
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id." };
        var name = new Option<string>("--name") { Description = "What uses the key, e.g. \"billing backend\".", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "Comma separated: publish, read.", DefaultValueFactory = _ => "publish,read" };
        var command = new Command("create", "Create an API key; it is printed once and cannot be shown again.") { tenant, name, scopes };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var tenantId = result.GetValue(tenant)!;
            var list = result.GetValue(scopes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var created = await client.SendAsync(HttpMethod.Post, $"/api/v1/tenants/{AdminClient.Segment(tenantId)}/api-keys",
                new { name = result.GetValue(name), scopes = list }, ct);
            var granted = string.Join(", ", created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
            Console.WriteLine($"Created API key {created.GetProperty("id").GetString()} for tenant {tenantId} (scopes: {granted}).");
            Console.WriteLine("Store the key now; it is not shown again:");
            Console.WriteLine(created.GetProperty("key").GetString());
            return 0;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id." };
        var command = new Command("list", "List a tenant's API keys (never the keys themselves).") { tenant };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var listing = await client.SendAsync(HttpMethod.Get, $"/api/v1/tenants/{AdminClient.Segment(result.GetValue(tenant)!)}/api-keys", null, ct);
            var rows = listing.GetProperty("apiKeys").EnumerateArray()
                .Select(k => new[]
                {
                    k.GetProperty("id").GetString()!,
                    k.GetProperty("name").GetString()!,
                    string.Join(",", k.GetProperty("scopes").EnumerateArray().Select(s => s.GetString())),
                    k.GetProperty("revoked").GetBoolean() ? "revoked" : "live",
                    k.TryGetProperty("lastUsed", out var used) ? used.GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) : "never",
                })
                .ToList();
            Console.Write(rows.Count == 0 ? "No API keys.\n" : TenantCommand.Table(["ID", "NAME", "SCOPES", "STATE", "LAST USED"], rows));
            return 0;
        });
        return command;
    }

    private static Command RevokeCommand()
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id." };
        var id = new Argument<string>("id") { Description = "API key id (ak-…)." };
        var command = new Command("revoke", "Revoke an API key; every node refuses it within seconds.") { tenant, id };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var keyId = result.GetValue(id)!;
            await client.SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{AdminClient.Segment(result.GetValue(tenant)!)}/api-keys/{AdminClient.Segment(keyId)}", null, ct);
            Console.WriteLine($"API key {keyId} revoked.");
            return 0;
        });
        return command;
    }
}
