using Npgsql;

namespace Parley.Node.Store;

internal sealed partial class PostgresMessageStore
{
    /// <summary>Key of the advisory lock held while migrating; the bytes spell "parley".</summary>
    private const long MigrationLockKey = 0x7061726C6579;

    // Migration n (1-based) brings the schema from version n-1 to n. Published migrations are never
    // edited; a change is a new entry at the end.
    //
    // parley_messages: the log itself, clustered by (stream, seq) so range reads are one index walk.
    // parley_heads: the last sequence ever assigned per stream. Appends reserve sequences by adding
    //   to it, which also row-locks the stream until commit; trimming never touches it, so a head
    //   never moves backwards and a fully trimmed stream continues after its old head.
    // parley_idempotency: the first commit of each (tenant, sender, message id), so a repeat
    //   answers with the original stream, sequence, time and copy sequences. A row is inserted
    //   (claimed) with seq 0 before the batch's sequences are known and completed in the same
    //   transaction; no other transaction ever sees seq 0.
    // Keys use the "C" collation: byte order, the same on every server whatever its locale.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE parley_messages (
            stream     text COLLATE "C" NOT NULL,
            seq        bigint           NOT NULL,
            message_id text             NOT NULL,
            sender     text             NOT NULL,
            ts         timestamptz      NOT NULL,
            body       bytea            NOT NULL,
            PRIMARY KEY (stream, seq)
        );

        CREATE TABLE parley_heads (
            stream   text COLLATE "C" PRIMARY KEY,
            tenant   text COLLATE "C" NOT NULL,
            last_seq bigint           NOT NULL CHECK (last_seq > 0)
        );

        CREATE TABLE parley_idempotency (
            tenant     text COLLATE "C" NOT NULL,
            sender     text COLLATE "C" NOT NULL,
            message_id text COLLATE "C" NOT NULL,
            stream     text COLLATE "C" NOT NULL,
            seq        bigint           NOT NULL,
            ts         timestamptz      NOT NULL,
            copy_seqs  bigint[]         NOT NULL,
            PRIMARY KEY (tenant, sender, message_id)
        );

        CREATE INDEX parley_idempotency_by_stream ON parley_idempotency (stream, seq);
        """,
    ];

    /// <summary>The schema version this build writes; a database at a higher version was migrated by a newer Parley.</summary>
    internal static int SchemaVersion => Migrations.Length;

    /// <summary>
    /// Applies the missing migrations in one transaction under a transaction-scoped advisory lock,
    /// so nodes starting together take turns: the first migrates, the others then find nothing to
    /// do. A failure rolls back every step, leaving the schema as it was.
    /// </summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        int found;
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS parley_schema_version (
                    version    integer     PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM parley_schema_version", connection))
            {
                found = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            }

            if (found > SchemaVersion)
            {
                await transaction.RollbackAsync(cancellationToken);
            }
            else
            {
                for (var version = found + 1; version <= SchemaVersion; version++)
                {
                    await ExecuteAsync(connection, Migrations[version - 1], cancellationToken);
                    await ExecuteAsync(connection, $"INSERT INTO parley_schema_version (version) VALUES ({version})", cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Unavailable("apply its schema", e);
        }

        if (found > SchemaVersion)
        {
            throw new InvalidOperationException($"The database has Parley schema version {found}; this Parley understands up to {SchemaVersion}.");
        }

        if (found < SchemaVersion)
        {
            StoreLog.SchemaMigrated(_logger, found, SchemaVersion);
        }
        else
        {
            StoreLog.SchemaCurrent(_logger, found);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
