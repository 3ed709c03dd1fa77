using Npgsql;

namespace Parley.Auth.Store;

internal sealed partial class PostgresAuthStore
{
    /// <summary>Key of the advisory lock held while migrating; the bytes spell "pauth".</summary>
    private const long MigrationLockKey = 0x7061757468;

    // Migration n (1-based) brings the schema from version n-1 to n. Published migrations are never
    // edited; a change is a new entry at the end. The tables are those of the SQLite store (see
    // SqliteAuthStore.Schema.cs) with PostgreSQL types; keys use the "C" collation (byte order).
    // auth_revision is one row: a tenant write updates it first, which row-locks it until commit,
    // so tenant changes commit in revision order and a reader never sees revision n without
    // every change up to n.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE auth_revision (
            id       integer PRIMARY KEY CHECK (id = 1),
            revision bigint  NOT NULL
        );
        INSERT INTO auth_revision (id, revision) VALUES (1, 0);

        CREATE TABLE auth_tenants (
            id                text COLLATE "C" PRIMARY KEY,
            name              text        NOT NULL,
            disabled          boolean     NOT NULL,
            self_registration boolean     NOT NULL,
            quotas            jsonb       NOT NULL,
            created           timestamptz NOT NULL,
            revision          bigint      NOT NULL
        );

        CREATE TABLE auth_users (
            tenant        text COLLATE "C" NOT NULL REFERENCES auth_tenants (id),
            id            text COLLATE "C" NOT NULL,
            password_hash text        NOT NULL,
            role          text        NOT NULL CHECK (role IN ('admin', 'member')),
            rooms         jsonb       NOT NULL,
            created       timestamptz NOT NULL,
            PRIMARY KEY (tenant, id)
        );

        CREATE TABLE auth_refresh_tokens (
            id_hash    text COLLATE "C" PRIMARY KEY,
            family     text COLLATE "C" NOT NULL,
            tenant     text COLLATE "C" NOT NULL,
            user_id    text COLLATE "C" NOT NULL,
            issued     timestamptz NOT NULL,
            expires    timestamptz NOT NULL,
            used_at    timestamptz,
            revoked_at timestamptz
        );
        CREATE INDEX auth_refresh_tokens_by_family ON auth_refresh_tokens (family);
        CREATE INDEX auth_refresh_tokens_by_expiry ON auth_refresh_tokens (expires);

        CREATE TABLE auth_signing_keys (
            kid         text COLLATE "C" PRIMARY KEY,
            private_key bytea       NOT NULL,
            created     timestamptz NOT NULL,
            retired_at  timestamptz,
            not_after   timestamptz
        );
        """,
        """
        CREATE TABLE auth_tenant_keys (
            tenant   text COLLATE "C" NOT NULL REFERENCES auth_tenants (id),
            kid      text COLLATE "C" NOT NULL,
            alg      text        NOT NULL CHECK (alg IN ('ES256', 'RS256', 'HS256')),
            material text        NOT NULL,
            created  timestamptz NOT NULL,
            PRIMARY KEY (tenant, kid)
        );

        CREATE TABLE auth_api_keys (
            id         text COLLATE "C" PRIMARY KEY,
            tenant     text COLLATE "C" NOT NULL REFERENCES auth_tenants (id),
            name       text        NOT NULL,
            sha256     text COLLATE "C" NOT NULL UNIQUE,
            scopes     jsonb       NOT NULL,
            created    timestamptz NOT NULL,
            revoked_at timestamptz,
            last_used  timestamptz
        );
        CREATE INDEX auth_api_keys_by_tenant ON auth_api_keys (tenant, id);
        """,
    ];

    internal static int SchemaVersion => Migrations.Length;

    /// <summary>
    /// Applies the missing migrations in one transaction under a transaction-scoped advisory lock,
    /// so instances starting together take turns: the first migrates, the others find nothing to do.
    /// </summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS auth_schema_version (
                version    integer     PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);

        int found;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM auth_schema_version", connection))
        {
            found = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        if (found > SchemaVersion)
        {
            throw new InvalidOperationException($"The database has auth schema version {found}; this Parley understands up to {SchemaVersion}.");
        }

        for (var version = found + 1; version <= SchemaVersion; version++)
        {
            await ExecuteAsync(connection, Migrations[version - 1], cancellationToken);
            await ExecuteAsync(connection, $"INSERT INTO auth_schema_version (version) VALUES ({version})", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
