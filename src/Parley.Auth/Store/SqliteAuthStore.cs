using Microsoft.Data.Sqlite;

namespace Parley.Auth.Store;

/// <summary>
/// The embedded auth store: one SQLite file (<c>auth.db</c>) in WAL mode with
/// <c>synchronous=FULL</c>. Every operation runs on one connection, one at a time, in an immediate
/// transaction: the auth service's load is a few operations per login, and password hashing, not
/// the store, bounds it. One process at a time may serve from a file.
/// </summary>
internal sealed partial class SqliteAuthStore : IAuthStore, IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _disposed;

    private SqliteAuthStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating the directory, file and tables when missing) the store at <paramref name="path"/>.</summary>
    public static async Task<SqliteAuthStore> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            Migrate(connection);
            return new SqliteAuthStore(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task<bool> CreateTenantAsync(TenantRecord tenant, UserRecord admin, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            using (var exists = Command(c, t, "SELECT 1 FROM auth_tenants WHERE id = @id", ("@id", tenant.Id)))
            {
                if (exists.ExecuteScalar() is not null)
                {
                    return false;
                }
            }

            var revision = NextRevision(c, t);
            Execute(c, t, """
                INSERT INTO auth_tenants (id, name, disabled, self_registration, quotas, created, revision)
                VALUES (@id, @name, @disabled, @self, @quotas, @created, @revision)
                """,
                ("@id", tenant.Id), ("@name", tenant.Name), ("@disabled", tenant.Disabled), ("@self", tenant.SelfRegistration),
                ("@quotas", StoredJson.Quotas(tenant.Quotas)), ("@created", Micros(tenant.Created)), ("@revision", revision));
            InsertUser(c, t, admin with { Tenant = tenant.Id });
            return true;
        }, cancellationToken);

    public Task<TenantRecord?> GetTenantAsync(string tenant, CancellationToken cancellationToken) =>
        RunAsync((c, t) => ReadTenants(c, t, "WHERE id = @id", ("@id", tenant)).FirstOrDefault(), cancellationToken);

    public Task<TenantListing> ListTenantsAsync(CancellationToken cancellationToken) =>
        RunAsync((c, t) => new TenantListing(Revision(c, t), ReadTenants(c, t, "")), cancellationToken);

    public Task<long> GetTenantsRevisionAsync(CancellationToken cancellationToken) => RunAsync(Revision, cancellationToken);

    public Task<TenantRecord?> UpdateTenantAsync(string tenant, TenantUpdate update, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var current = ReadTenants(c, t, "WHERE id = @id", ("@id", tenant)).FirstOrDefault();
            if (current is null)
            {
                return null;
            }

            var updated = current with
            {
                Name = update.Name ?? current.Name,
                Disabled = update.Disabled ?? current.Disabled,
                SelfRegistration = update.SelfRegistration ?? current.SelfRegistration,
                Quotas = update.Quotas ?? current.Quotas,
                Revision = NextRevision(c, t),
            };
            Execute(c, t, """
                UPDATE auth_tenants SET name = @name, disabled = @disabled, self_registration = @self, quotas = @quotas, revision = @revision
                WHERE id = @id
                """,
                ("@id", tenant), ("@name", updated.Name), ("@disabled", updated.Disabled), ("@self", updated.SelfRegistration),
                ("@quotas", StoredJson.Quotas(updated.Quotas)), ("@revision", updated.Revision));
            return updated;
        }, cancellationToken);

    public Task<UserCreation> CreateUserAsync(UserRecord user, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var tenant = ReadTenants(c, t, "WHERE id = @id", ("@id", user.Tenant)).FirstOrDefault();
            if (tenant is null)
            {
                return UserCreation.NoSuchTenant;
            }

            if (ReadUsers(c, t, "WHERE tenant = @tenant AND id = @id", ("@tenant", user.Tenant), ("@id", user.Id)).Count > 0)
            {
                return UserCreation.AlreadyExists;
            }

            using (var count = Command(c, t, "SELECT count(*) FROM auth_users WHERE tenant = @tenant", ("@tenant", user.Tenant)))
            {
                if (tenant.Quotas.MaxUsers is { } max && (long)count.ExecuteScalar()! >= max)
                {
                    return UserCreation.QuotaExceeded;
                }
            }

            InsertUser(c, t, user);
            return UserCreation.Created;
        }, cancellationToken);

    public Task<UserRecord?> GetUserAsync(string tenant, string user, CancellationToken cancellationToken) =>
        RunAsync((c, t) => ReadUsers(c, t, "WHERE tenant = @tenant AND id = @id", ("@tenant", tenant), ("@id", user)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string tenant, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<UserRecord>>((c, t) => ReadUsers(c, t, "WHERE tenant = @tenant", ("@tenant", tenant)), cancellationToken);

    public Task<UserRecord?> UpdateUserAsync(string tenant, string user, UserUpdate update, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var current = ReadUsers(c, t, "WHERE tenant = @tenant AND id = @id", ("@tenant", tenant), ("@id", user)).FirstOrDefault();
            if (current is null)
            {
                return null;
            }

            var updated = current with
            {
                Role = update.Role ?? current.Role,
                Rooms = update.Rooms ?? current.Rooms,
                PasswordHash = update.PasswordHash ?? current.PasswordHash,
            };
            Execute(c, t, "UPDATE auth_users SET role = @role, rooms = @rooms, password_hash = @hash WHERE tenant = @tenant AND id = @id",
                ("@tenant", tenant), ("@id", user), ("@role", StoredJson.Role(updated.Role)), ("@rooms", StoredJson.Rooms(updated.Rooms)), ("@hash", updated.PasswordHash));
            return updated;
        }, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => RunAsync(Revision, cancellationToken);

    /// <summary>Waits for the operation in progress, then closes the file. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await _connection.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> alone, in an immediate transaction committed when it returns.</summary>
    private async Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            using var transaction = _connection.BeginTransaction(deferred: false);
            var result = work(_connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static long Revision(SqliteConnection c, SqliteTransaction t)
    {
        using var command = Command(c, t, "SELECT revision FROM auth_revision WHERE id = 1");
        return (long)command.ExecuteScalar()!;
    }

    private static long NextRevision(SqliteConnection c, SqliteTransaction t)
    {
        using var command = Command(c, t, "UPDATE auth_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision");
        return (long)command.ExecuteScalar()!;
    }

    private static List<TenantRecord> ReadTenants(SqliteConnection c, SqliteTransaction t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, $"SELECT id, name, disabled, self_registration, quotas, created, revision FROM auth_tenants {where} ORDER BY id", parameters);
        using var reader = command.ExecuteReader();
        var tenants = new List<TenantRecord>();
        while (reader.Read())
        {
            tenants.Add(new TenantRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt64(2) != 0,
                reader.GetInt64(3) != 0,
                StoredJson.Quotas(reader.GetString(4)),
                FromMicros(reader.GetInt64(5)),
                reader.GetInt64(6)));
        }

        return tenants;
    }

    private static List<UserRecord> ReadUsers(SqliteConnection c, SqliteTransaction t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, $"SELECT tenant, id, password_hash, role, rooms, created FROM auth_users {where} ORDER BY id", parameters);
        using var reader = command.ExecuteReader();
        var users = new List<UserRecord>();
        while (reader.Read())
        {
            users.Add(new UserRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                StoredJson.Role(reader.GetString(3)),
                StoredJson.Rooms(reader.GetString(4)),
                FromMicros(reader.GetInt64(5))));
        }

        return users;
    }

    private static void InsertUser(SqliteConnection c, SqliteTransaction t, UserRecord user) =>
        Execute(c, t, """
            INSERT INTO auth_users (tenant, id, password_hash, role, rooms, created)
            VALUES (@tenant, @id, @hash, @role, @rooms, @created)
            """,
            ("@tenant", user.Tenant), ("@id", user.Id), ("@hash", user.PasswordHash), ("@role", StoredJson.Role(user.Role)),
            ("@rooms", StoredJson.Rooms(user.Rooms)), ("@created", Micros(user.Created)));

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? t, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection c, SqliteTransaction? t, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static long Micros(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static long? Micros(DateTimeOffset? value) => value is { } v ? Micros(v) : null;

    private static DateTimeOffset FromMicros(long value) => new(DateTimeOffset.UnixEpoch.UtcTicks + (value * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    private static DateTimeOffset? NullableMicros(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromMicros(reader.GetInt64(ordinal));
}
