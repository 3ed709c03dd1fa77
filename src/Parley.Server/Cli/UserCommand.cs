using System.CommandLine;

namespace Parley.Server.Cli;

/// <summary><c>parley user add</c>: adds a user to a tenant through the auth service, as the operator.</summary>
internal static class UserCommand
{
    public static Command Create() => new("user", "Administer a tenant's users through the auth service.") { AddCommand() };

    private static Command AddCommand()
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id." };
        var user = new Argument<string>("user") { Description = "User id." };
        var password = new Option<string>("--password") { Description = "The user's password; '-' reads it from standard input.", Required = true };
        var rooms = new Option<string?>("--rooms") { Description = "Room patterns, comma separated: exact names, prefixes ending in '*', or '*'. Default: none (direct messages only)." };
        var role = new Option<string>("--role") { Description = "member or admin.", DefaultValueFactory = _ => "member" };
        role.AcceptOnlyFromAmong("member", "admin");
        var command = new Command("add", "Add a user to a tenant.") { tenant, user, password, rooms, role };
        AdminClient.SetAction(command, async (result, client, ct) =>
        {
            var patterns = (result.GetValue(rooms) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var tenantId = result.GetValue(tenant)!;
            var created = await client.SendAsync(HttpMethod.Post, $"/api/v1/tenants/{AdminClient.Segment(tenantId)}/users",
                new { user = result.GetValue(user), password = AdminClient.Secret(result.GetValue(password)!), rooms = patterns, role = result.GetValue(role) }, ct);
            var granted = created.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()).ToList();
            Console.WriteLine($"Added user {created.GetProperty("user").GetString()} to tenant {tenantId} " +
                $"(role {created.GetProperty("role").GetString()}, rooms: {(granted.Count == 0 ? "none, direct messages only" : string.Join(", ", granted))}).");
            return 0;
        });
        return command;
    }
}
