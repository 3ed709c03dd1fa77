using Parley.Auth.Store;

namespace Parley.Tests.AuthService;

/// <summary>The shared specification against SQLite, plus what only a file-backed store has to show.</summary>
public sealed class SqliteAuthStoreTests : AuthStoreSpec
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-auth-store-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "nested", "auth.db");

    internal override async Task<IAuthStore> CreateStoreAsync() => await SqliteAuthStore.OpenAsync(DatabasePath, Ct);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Tenants_users_and_tokens_survive_closing_and_reopening_the_file()
    {
        await Store.CreateTenantAsync(Tenant("acme", new TenantQuotas(MaxUsers: 3)), Admin("acme", "root"), Ct);
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1"), Ct);
        var revision = await Store.GetTenantsRevisionAsync(Ct);
        await ((SqliteAuthStore)Store).DisposeAsync();

        await using var reopened = await SqliteAuthStore.OpenAsync(DatabasePath, Ct);

        Assert.Equal(new TenantQuotas(MaxUsers: 3), (await reopened.GetTenantAsync("acme", Ct))!.Quotas);
        Assert.NotNull(await reopened.GetUserAsync("acme", "root", Ct));
        Assert.Equal(revision, await reopened.GetTenantsRevisionAsync(Ct));
        Assert.Equal(RefreshStatus.Rotated, (await reopened.RotateRefreshTokenAsync("r1", "r2", T0.AddMinutes(1), T0.AddDays(1), Ct)).Status);
    }

    [Fact]
    public async Task A_file_written_by_a_newer_parley_is_refused()
    {
        await ((SqliteAuthStore)Store).DisposeAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999;";
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteAuthStore.OpenAsync(DatabasePath, Ct));

        Assert.Contains("999", error.Message);
    }
}
