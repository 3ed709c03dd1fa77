using System.Net;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>
/// Identifiers the auth service keeps out of what it creates: user ids in the API keys' namespace,
/// and tenant ids that configuration cannot name.
/// </summary>
public sealed class ReservedIdentifierTests : IAsyncLifetime
{
    private AuthServiceNode _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthServiceNode.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Theory]
    [InlineData("ak-3f1363d7996b")]
    [InlineData("ak-")]
    [InlineData("AK-3f1363d7996b")]
    [InlineData("Ak-backend")]
    public async Task A_user_id_in_the_api_key_namespace_cannot_be_created_registered_or_made_a_tenants_administrator(string user)
    {
        await _auth.CreateTenantAsync("acme", selfRegistration: true);
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;

        using var created = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants/acme/users", admin, new { user, password = AuthServiceNode.Password });
        using var registered = await _auth.SendAsync(HttpMethod.Post, "/api/v1/auth/register", body: new { tenant = "acme", user, password = AuthServiceNode.Password });
        using var tenant = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id = "globex", admin = new { user, password = AuthServiceNode.Password } });

        Assert.Equal("invalid_user", await AuthServiceNode.ErrorCodeAsync(created, HttpStatusCode.BadRequest));
        Assert.Equal("invalid_user", await AuthServiceNode.ErrorCodeAsync(registered, HttpStatusCode.BadRequest));
        Assert.Equal("invalid_user", await AuthServiceNode.ErrorCodeAsync(tenant, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task User_ids_that_merely_contain_ak_are_still_users()
    {
        await _auth.CreateTenantAsync("acme");
        var admin = (await _auth.LoginAsync("acme", "root")).AccessToken;

        await _auth.CreateUserAsync(admin, "acme", "akira");
        await _auth.CreateUserAsync(admin, "acme", "jak-1");
        await _auth.CreateUserAsync(admin, "acme", "ak_1");
    }

    [Theory]
    [InlineData("acme:eu")]
    [InlineData("a:")]
    public async Task A_tenant_id_with_a_colon_is_refused_because_configuration_could_not_name_it(string id)
    {
        using var created = await _auth.SendAsync(HttpMethod.Post, "/api/v1/tenants", AuthServiceNode.OperatorToken,
            new { id, admin = new { user = "root", password = AuthServiceNode.Password } });

        Assert.Equal("invalid_tenant", await AuthServiceNode.ErrorCodeAsync(created, HttpStatusCode.BadRequest));
    }
}
