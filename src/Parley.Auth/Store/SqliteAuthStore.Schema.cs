using Microsoft.Data.Sqlite;

namespace Parley.Auth.Store;

internal sealed partial class SqliteAuthStore
{
    // Migration n (1-based) brings the file from PRAGMA user_version n-1 to n. Published migrations
    // are never edited; a change is a new entry at the end.
    //
    // auth_tenants: quotas is the JSON of TenantQuotas; revision is the tenants revision of the
    //   row's latest change, taken from auth_revision, which every tenant write raises.
    // auth_users: rooms is a JSON array of room patterns; role is 'admin' or 'member'.
    // auth_refresh_tokens: keyed by the SHA-256 of the token, never the token itself.
    // auth_signing_keys: private_key is PKCS#8, not encrypted at rest (see SigningKeyRecord).
    // auth_tenant_keys: material is a public key PEM, or an HS256 secret in plain form (see TenantKeyRecord).
    // auth_api_keys: sha256 is the lowercase hex SHA-256 of the key, never the key; ids are unique
    //   across tenants; scopes is a JSON array.
    // Times are microseconds since the Unix epoch, UTC; booleans are 0 or 1.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE auth_revision (
            id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            revision INTEGER NOT NULL
        );
        INSERT INTO auth_revision (id, revision) VALUES (1, 0);

        CREATE TABLE auth_tenants (
            id                TEXT    NOT NULL PRIMARY KEY,
            name              TEXT    NOT NULL,
            disabled          INTEGER NOT NULL,
            self_registration INTEGER NOT NULL,
            quotas            TEXT    NOT NULL,
            created           INTEGER NOT NULL,
            revision          INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE auth_users (
            tenant        TEXT    NOT NULL REFERENCES auth_tenants (id),
            id            TEXT    NOT NULL,
            password_hash TEXT    NOT NULL,
            role          TEXT    NOT NULL,
            rooms         TEXT    NOT NULL,
            created       INTEGER NOT NULL,
            PRIMARY KEY (tenant, id)
        ) WITHOUT ROWID;

        CREATE TABLE auth_refresh_tokens (
            id_hash    TEXT    NOT NULL PRIMARY KEY,
            family     TEXT    NOT NULL,
            tenant     TEXT    NOT NULL,
            user_id    TEXT    NOT NULL,
            issued     INTEGER NOT NULL,
            expires    INTEGER NOT NULL,
            used_at    INTEGER,
            revoked_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX auth_refresh_tokens_by_family ON auth_refresh_tokens (family);
        CREATE INDEX auth_refresh_tokens_by_expiry ON auth_refresh_tokens (expires);

        CREATE TABLE auth_signing_keys (
            kid         TEXT    NOT NULL PRIMARY KEY,
            private_key BLOB    NOT NULL,
            created     INTEGER NOT NULL,
            retired_at  INTEGER,
            not_after   INTEGER
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE auth_tenant_keys (
            tenant   TEXT    NOT NULL REFERENCES auth_tenants (id),
            kid      TEXT    NOT NULL,
            alg      TEXT    NOT NULL,
            material TEXT    NOT NULL,
            created  INTEGER NOT NULL,
            PRIMARY KEY (tenant, kid)
        ) WITHOUT ROWID;

        CREATE TABLE auth_api_keys (
            id         TEXT    NOT NULL PRIMARY KEY,
            tenant     TEXT    NOT NULL REFERENCES auth_tenants (id),
            name       TEXT    NOT NULL,
            sha256     TEXT    NOT NULL UNIQUE,
            scopes     TEXT    NOT NULL,
            created    INTEGER NOT NULL,
            revoked_at INTEGER,
            last_used  INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX auth_api_keys_by_tenant ON auth_api_keys (tenant, id);
        """,
    ];

    internal static int SchemaVersion => Migrations.Length;

    /// <summary>Applies the missing migrations in one immediate transaction: idempotent, and safe against a second process doing the same.</summary>
    private static void Migrate(SqliteConnection connection)
    {
        Execute(connection, null, "PRAGMA journal_mode = WAL;");
        Execute(connection, null, "PRAGMA synchronous = FULL;");
        Execute(connection, null, "PRAGMA foreign_keys = ON;");
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = Command(connection, transaction, "PRAGMA user_version;");
        var found = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (found > SchemaVersion)
        {
            throw new InvalidOperationException($"The auth store file has schema version {found}; this Parley understands up to {SchemaVersion}.");
        }

        for (var version = found + 1; version <= SchemaVersion; version++)
        {
            Execute(connection, transaction, Migrations[version - 1]);
            Execute(connection, transaction, $"PRAGMA user_version = {version};");
        }

        transaction.Commit();
    }
}
