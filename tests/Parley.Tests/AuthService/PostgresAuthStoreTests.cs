using Npgsql;
using Parley.Auth.Store;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary>
/// The shared specification against a real PostgreSQL, each test in a fresh database, plus what
/// only a store shared by several auth service instances has to show.
/// </summary>
public sealed class PostgresAuthStoreTests : AuthStoreSpec
{
    private PostgresServer? _server;

    internal override async Task<IAuthStore> CreateStoreAsync()
    {
        _server = await PostgresServer.SharedAsync();
        return await PostgresAuthStore.OpenAsync(await _server.CreateDatabaseAsync(), Ct);
    }

    [Fact]
    public async Task Four_instances_opening_at_once_on_an_empty_database_migrate_it_exactly_once()
    {
        var empty = await _server!.CreateDatabaseAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresAuthStore.OpenAsync(empty, Ct))));
        try
        {
            await using var connection = new NpgsqlConnection(empty);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM auth_schema_version", connection);
            Assert.Equal(Enumerable.Range(1, PostgresAuthStore.SchemaVersion), (int[])(await command.ExecuteScalarAsync())!);

            Assert.True(await stores[0].CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct));
            Assert.NotNull(await stores[3].GetUserAsync("acme", "root", Ct));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_instances_share_tenants_and_see_each_others_revisions()
    {
        var database = await _server!.CreateDatabaseAsync();
        await using var first = await PostgresAuthStore.OpenAsync(database, Ct);
        await using var second = await PostgresAuthStore.OpenAsync(database, Ct);

        await first.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await second.UpdateTenantAsync("acme", new TenantUpdate(Disabled: true), Ct);

        var listing = await first.ListTenantsAsync(Ct);
        Assert.Equal(2, listing.Revision);
        Assert.True(listing.Tenants.Single().Disabled);
    }
}
