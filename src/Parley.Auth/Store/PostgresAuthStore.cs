using Npgsql;

namespace Parley.Auth.Store;

/// <summary>
/// The auth store of cluster deployments: any number of auth service instances share one
/// PostgreSQL database. PostgreSQL serialises what must be serialised: tenant writes lock the one
/// revision row, user creations lock their tenant's row, a rotation locks the refresh token's row,
/// and key rotations take an advisory lock, each until commit.
/// </summary>
internal sealed partial class PostgresAuthStore : IAuthStore, IAsyncDisposable
{
    /// <summary>Key of the advisory lock a signing key rotation holds; the bytes spell "pkeys".</summary>
    private const long KeyRotationLockKey = 0x706B657973;

    private readonly NpgsqlDataSource _dataSource;

    private PostgresAuthStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects, applies any missing schema migrations and returns the store. Several instances may open at once.</summary>
    public static async Task<PostgresAuthStore> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "parley-auth";
        }

        // Named, so Npgsql's metrics do not carry the connection string (and its password) as a label.
        var store = new PostgresAuthStore(new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "parley-auth" }.Build());
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public Task<bool> CreateTenantAsync(TenantRecord tenant, UserRecord admin, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            var revision = await NextRevisionAsync(c, ct);
            var inserted = await ExecuteAsync(c, """
                INSERT INTO auth_tenants (id, name, disabled, self_registration, quotas, created, revision)
                VALUES (@id, @name, @disabled, @self, @quotas::jsonb, @created, @revision)
                ON CONFLICT (id) DO NOTHING
                """, ct,
                ("@id", tenant.Id), ("@name", tenant.Name), ("@disabled", tenant.Disabled), ("@self", tenant.SelfRegistration),
                ("@quotas", StoredJson.Quotas(tenant.Quotas)), ("@created", tenant.Created), ("@revision", revision));
            if (inserted == 0)
            {
                return (false, false);
            }

            await InsertUserAsync(c, admin with { Tenant = tenant.Id }, ct);
            return (true, true);
        }, cancellationToken);

    public Task<TenantRecord?> GetTenantAsync(string tenant, CancellationToken cancellationToken) =>
        ReadAsync(async (c, ct) => (await ReadTenantsAsync(c, "WHERE id = @id", ct, ("@id", tenant))).FirstOrDefault(), cancellationToken);

    public Task<TenantListing> ListTenantsAsync(CancellationToken cancellationToken) =>
        ReadAsync(async (c, ct) =>
        {
            // The revision is read first: tenants read after it are at least as new, so a reader
            // may see a change early under an older revision, and never miss one.
            var revision = await RevisionAsync(c, ct);
            return new TenantListing(revision, await ReadTenantsAsync(c, "ORDER BY id", ct));
        }, cancellationToken);

    public Task<long> GetTenantsRevisionAsync(CancellationToken cancellationToken) => ReadAsync(RevisionAsync, cancellationToken);

    public Task<TenantRecord?> UpdateTenantAsync(string tenant, TenantUpdate update, CancellationToken cancellationToken) =>
        RunAsync<TenantRecord?>(async (c, ct) =>
        {
            var revision = await NextRevisionAsync(c, ct);
            var current = (await ReadTenantsAsync(c, "WHERE id = @id FOR UPDATE", ct, ("@id", tenant))).FirstOrDefault();
            if (current is null)
            {
                return (null, false);
            }

            var updated = current with
            {
                Name = update.Name ?? current.Name,
                Disabled = update.Disabled ?? current.Disabled,
                SelfRegistration = update.SelfRegistration ?? current.SelfRegistration,
                Quotas = update.Quotas ?? current.Quotas,
                Revision = revision,
            };
            await ExecuteAsync(c, """
                UPDATE auth_tenants SET name = @name, disabled = @disabled, self_registration = @self, quotas = @quotas::jsonb, revision = @revision
                WHERE id = @id
                """, ct,
                ("@id", tenant), ("@name", updated.Name), ("@disabled", updated.Disabled), ("@self", updated.SelfRegistration),
                ("@quotas", StoredJson.Quotas(updated.Quotas)), ("@revision", revision));
            return (updated, true);
        }, cancellationToken);

    public Task<UserCreation> CreateUserAsync(UserRecord user, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            // The tenant's row lock makes count-then-insert one step for every concurrent creator.
            var tenant = (await ReadTenantsAsync(c, "WHERE id = @id FOR UPDATE", ct, ("@id", user.Tenant))).FirstOrDefault();
            if (tenant is null)
            {
                return (UserCreation.NoSuchTenant, false);
            }

            if ((await ReadUsersAsync(c, "WHERE tenant = @tenant AND id = @id", ct, ("@tenant", user.Tenant), ("@id", user.Id))).Count > 0)
            {
                return (UserCreation.AlreadyExists, false);
            }

            if (tenant.Quotas.MaxUsers is { } max)
            {
                await using var count = Command(c, "SELECT count(*) FROM auth_users WHERE tenant = @tenant", ("@tenant", user.Tenant));
                if ((long)(await count.ExecuteScalarAsync(ct))! >= max)
                {
                    return (UserCreation.QuotaExceeded, false);
                }
            }

            await InsertUserAsync(c, user, ct);
            return (UserCreation.Created, true);
        }, cancellationToken);

    public Task<UserRecord?> GetUserAsync(string tenant, string user, CancellationToken cancellationToken) =>
        ReadAsync(async (c, ct) => (await ReadUsersAsync(c, "WHERE tenant = @tenant AND id = @id", ct, ("@tenant", tenant), ("@id", user))).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string tenant, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<UserRecord>>(async (c, ct) => await ReadUsersAsync(c, "WHERE tenant = @tenant ORDER BY id", ct, ("@tenant", tenant)), cancellationToken);

    public Task<UserRecord?> UpdateUserAsync(string tenant, string user, UserUpdate update, CancellationToken cancellationToken) =>
        RunAsync<UserRecord?>(async (c, ct) =>
        {
            var current = (await ReadUsersAsync(c, "WHERE tenant = @tenant AND id = @id FOR UPDATE", ct, ("@tenant", tenant), ("@id", user))).FirstOrDefault();
            if (current is null)
            {
                return (null, false);
            }

            var updated = current with
            {
                Role = update.Role ?? current.Role,
                Rooms = update.Rooms ?? current.Rooms,
                PasswordHash = update.PasswordHash ?? current.PasswordHash,
            };
            await ExecuteAsync(c, "UPDATE auth_users SET role = @role, rooms = @rooms::jsonb, password_hash = @hash WHERE tenant = @tenant AND id = @id", ct,
                ("@tenant", tenant), ("@id", user), ("@role", StoredJson.Role(updated.Role)), ("@rooms", StoredJson.Rooms(updated.Rooms)), ("@hash", updated.PasswordHash));
            return (updated, true);
        }, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => ReadAsync(RevisionAsync, cancellationToken);

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    /// <summary>
    /// Runs <paramref name="work"/> in a READ COMMITTED transaction, committed when it returns true
    /// as its second value and rolled back otherwise.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (result, commit) = await work(connection, cancellationToken);
        if (commit)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>Runs reads on a pooled connection, each statement on its own snapshot.</summary>
    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await work(connection, cancellationToken);
    }

    private static async Task<long> RevisionAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using var command = Command(c, "SELECT revision FROM auth_revision WHERE id = 1");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<long> NextRevisionAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using var command = Command(c, "UPDATE auth_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<TenantRecord>> ReadTenantsAsync(NpgsqlConnection c, string clauses, CancellationToken ct, params (string, object?)[] parameters)
    {
        var sql = $"SELECT id, name, disabled, self_registration, quotas::text, created, revision FROM auth_tenants {clauses}";
        await using var command = Command(c, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tenants = new List<TenantRecord>();
        while (await reader.ReadAsync(ct))
        {
            tenants.Add(new TenantRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetBoolean(2),
                reader.GetBoolean(3),
                StoredJson.Quotas(reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt64(6)));
        }

        return tenants;
    }

    private static async Task<List<UserRecord>> ReadUsersAsync(NpgsqlConnection c, string clauses, CancellationToken ct, params (string, object?)[] parameters)
    {
        var sql = $"SELECT tenant, id, password_hash, role, rooms::text, created FROM auth_users {clauses}";
        await using var command = Command(c, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var users = new List<UserRecord>();
        while (await reader.ReadAsync(ct))
        {
            users.Add(new UserRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                StoredJson.Role(reader.GetString(3)),
                StoredJson.Rooms(reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return users;
    }

    private static Task<int> InsertUserAsync(NpgsqlConnection c, UserRecord user, CancellationToken ct) =>
        ExecuteAsync(c, """
            INSERT INTO auth_users (tenant, id, password_hash, role, rooms, created)
            VALUES (@tenant, @id, @hash, @role, @rooms::jsonb, @created)
            """, ct,
            ("@tenant", user.Tenant), ("@id", user.Id), ("@hash", user.PasswordHash), ("@role", StoredJson.Role(user.Role)),
            ("@rooms", StoredJson.Rooms(user.Rooms)), ("@created", user.Created));

    private static NpgsqlCommand Command(NpgsqlConnection c, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, c);
        foreach (var (name, value) in parameters)
        {
            // timestamptz takes UTC only; every instant is stored as UTC.
            command.Parameters.AddWithValue(name, value switch
            {
                null => DBNull.Value,
                DateTimeOffset instant => instant.ToUniversalTime(),
                _ => value,
            });
        }

        return command;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection c, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Command(c, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
