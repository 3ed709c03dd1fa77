using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>
/// <c>parley tenant</c>, <c>user</c> and <c>apikey</c> as an operator runs them: the real program
/// against a real auth service on a loopback port.
/// </summary>
public sealed class AdminCommandTests : IAsyncLifetime
{
    private const string Operator = AuthServiceNode.OperatorToken;

    private static readonly Dictionary<string, string?> NoTokenInEnvironment = new() { ["PARLEY_OPERATOR_TOKEN"] = null };

    private AuthServiceNode _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthServiceNode.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Fact]
    public async Task Tenant_create_then_list_shows_the_tenant_and_its_administrator_can_log_in()
    {
        var (exit, output) = await ParleyAsync("tenant", "create", "acme", "--name", "Acme Inc.", "--admin", "root", "--password", AuthServiceNode.Password);

        Assert.True(exit == 0, output);
        Assert.Contains("Created tenant acme", output, StringComparison.Ordinal);
        Assert.NotNull((await _auth.LoginAsync("acme", "root")).AccessToken);

        await ParleyAsync("tenant", "create", "globex", "--admin", "boss", "--password", AuthServiceNode.Password);
        var (listExit, list) = await ParleyAsync("tenant", "list");
        Assert.Equal(0, listExit);
        var lines = list.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Matches(@"^ID\s+NAME\s+STATE\s+QUOTAS$", lines[0]);
        Assert.Matches(@"^acme\s+Acme Inc\.\s+enabled\s+none$", lines[1]);
        Assert.Matches(@"^globex\s+globex\s+enabled\s+none$", lines[2]);
    }

    [Fact]
    public async Task Tenant_quota_changes_only_the_quotas_given_and_keeps_the_others()
    {
        await _auth.CreateTenantAsync("acme", quotas: new { maxUsers = 50 });

        var (exit, output) = await ParleyAsync("tenant", "quota", "acme", "--max-connections", "100", "--retention-max-age", "7d", "--publishes-per-second", "2.5");
        Assert.True(exit == 0, output);
        var (secondExit, second) = await ParleyAsync("tenant", "quota", "acme", "--max-connections", "200", "--retention-messages", "1000", "--max-users", "none");
        Assert.True(secondExit == 0, second);

        var quotas = (await TenantAsync("acme")).GetProperty("quotas");
        Assert.Equal("""{"maxConnections":200,"publishesPerSecond":2.5,"retention":{"maxMessagesPerStream":1000,"maxAgeSeconds":604800}}""", quotas.GetRawText());
        Assert.Contains("maxConnections=200", second, StringComparison.Ordinal);
        Assert.Contains("retention.maxAgeSeconds=604800", second, StringComparison.Ordinal);
        var (_, list) = await ParleyAsync("tenant", "list");
        Assert.Contains("maxConnections=200 publishesPerSecond=2.5 retention.maxMessagesPerStream=1000 retention.maxAgeSeconds=604800", list, StringComparison.Ordinal);

        var (badExit, bad) = await ParleyAsync("tenant", "quota", "acme", "--retention-max-age", "forever");
        Assert.Equal(2, badExit);
        Assert.Contains("--retention-max-age", bad, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_disable_and_enable_flip_the_switch_the_nodes_read()
    {
        await _auth.CreateTenantAsync("acme");

        var (exit, output) = await ParleyAsync("tenant", "disable", "acme");
        Assert.True(exit == 0, output);
        Assert.True((await TenantAsync("acme")).GetProperty("disabled").GetBoolean());
        Assert.Matches(@"\nacme\s+Tenant acme\s+disabled", (await ParleyAsync("tenant", "list")).Output);

        await ParleyAsync("tenant", "enable", "acme");
        Assert.False((await TenantAsync("acme")).GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task User_add_creates_a_user_with_the_rooms_and_role_given()
    {
        await _auth.CreateTenantAsync("acme");

        var (exit, output) = await ParleyAsync("user", "add", "acme", "alice", "--password", AuthServiceNode.Password, "--rooms", "general,team-*", "--role", "admin");

        Assert.True(exit == 0, output);
        Assert.Contains("Added user alice to tenant acme (role admin, rooms: general, team-*)", output, StringComparison.Ordinal);
        var alice = (await _auth.LoginAsync("acme", "alice")).AccessToken;
        using var me = await _auth.SendAsync(HttpMethod.Get, "/api/v1/auth/me", alice);
        var user = await AuthServiceNode.ExpectAsync(me, HttpStatusCode.OK);
        Assert.Equal(("admin", "general,team-*"), (user.GetProperty("role").GetString(), string.Join(',', user.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()))));
    }

    [Fact]
    public async Task Apikey_create_prints_the_key_once_and_the_service_keeps_only_its_hash()
    {
        await _auth.CreateTenantAsync("acme");

        var (exit, output) = await ParleyAsync("apikey", "create", "acme", "--name", "billing backend", "--scopes", "publish,read");

        Assert.True(exit == 0, output);
        var key = output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("pk_", StringComparison.Ordinal));
        Assert.Contains("not shown again", output, StringComparison.Ordinal);
        using var listing = await _auth.SendAsync(HttpMethod.Get, "/internal/v1/tenants", Operator);
        var apiKey = (await AuthServiceNode.ExpectAsync(listing, HttpStatusCode.OK)).GetProperty("tenants")[0].GetProperty("apiKeys")[0];
        Assert.Equal(DirectoryServer.KeyHash(key), apiKey.GetProperty("sha256").GetString());
        Assert.Contains($"Created API key {apiKey.GetProperty("id").GetString()} for tenant acme (scopes: publish, read).", output, StringComparison.Ordinal);

        var (_, list) = await ParleyAsync("apikey", "list", "acme");
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.Matches(@"\nak-[0-9a-f]{12}\s+billing backend\s+publish,read\s+live\s+never", list);
    }

    [Fact]
    public async Task The_operator_token_comes_from_the_environment_when_the_option_is_absent_and_is_required()
    {
        await _auth.CreateTenantAsync("acme");

        var (exit, output) = await ParleyProcess.RunAsync(new Dictionary<string, string?> { ["PARLEY_OPERATOR_TOKEN"] = Operator }, "tenant", "list", "--auth", _auth.HttpUri.ToString());
        var (missingExit, missing) = await ParleyProcess.RunAsync(NoTokenInEnvironment, "tenant", "list", "--auth", _auth.HttpUri.ToString());

        Assert.True(exit == 0, output);
        Assert.Contains("acme", output, StringComparison.Ordinal);
        Assert.Equal(2, missingExit);
        Assert.Contains("PARLEY_OPERATOR_TOKEN", missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_print_the_services_error_code_and_message_and_exit_non_zero()
    {
        await _auth.CreateTenantAsync("acme");

        var (taken, takenOutput) = await ParleyAsync("tenant", "create", "acme", "--admin", "root", "--password", AuthServiceNode.Password);
        var (wrong, wrongOutput) = await ParleyProcess.RunAsync(NoTokenInEnvironment, "tenant", "list", "--auth", _auth.HttpUri.ToString(), "--operator-token", "not-the-operator");
        var (missing, missingOutput) = await ParleyAsync("tenant", "quota", "nobody", "--max-connections", "5");
        var (scope, scopeOutput) = await ParleyAsync("apikey", "create", "acme", "--name", "x", "--scopes", "admin");
        var (away, awayOutput) = await ParleyProcess.RunAsync(NoTokenInEnvironment, "tenant", "list", "--auth", $"http://127.0.0.1:{ParleyProcess.FreePort()}", "--operator-token", Operator);

        Assert.Equal((1, "parley: tenant_exists: A tenant with this id exists."), (taken, takenOutput));
        Assert.Equal((1, "parley: unauthorized: The operator token is required."), (wrong, wrongOutput));
        Assert.Equal((1, "parley: not_found: No such tenant."), (missing, missingOutput));
        Assert.Equal(1, scope);
        Assert.StartsWith("parley: invalid_scope: ", scopeOutput, StringComparison.Ordinal);
        Assert.Equal(1, away);
        Assert.Contains("cannot reach the auth service", awayOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", awayOutput, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> ParleyAsync(params string[] args) =>
        ParleyProcess.RunAsync(NoTokenInEnvironment, [.. args, "--auth", _auth.HttpUri.ToString(), "--operator-token", Operator]);

    private async Task<JsonElement> TenantAsync(string tenant)
    {
        using var response = await _auth.SendAsync(HttpMethod.Get, $"/api/v1/tenants/{tenant}", Operator);
        return await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
    }
}
