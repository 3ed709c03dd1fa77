using Microsoft.Data.Sqlite;

namespace Parley.Node.Store;

/// <summary>
/// The tables of the embedded store, created when missing. Applying the schema is idempotent and
/// safe against a second process doing the same (it runs in one immediate transaction).
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Written to <c>PRAGMA user_version</c>; a file with a higher version was written by a newer Parley.</summary>
    public const int Version = 1;

    // messages: the log itself, clustered by (stream, seq) so range reads are one index walk.
    // heads: the last sequence ever assigned per stream. It is kept apart from messages so that
    //   trimming every message of a stream never lets its next sequence start again at 1.
    // idempotency: the first commit of each (tenant, sender, message id), so a repeat answers with
    //   the original stream, sequence and time. copy_seqs lists the sequences of a direct
    //   message's copies, comma-separated, in the order of AppendRequest.Copies.
    // Timestamps are microseconds since the Unix epoch, UTC.
    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS messages (
            stream     TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            message_id TEXT    NOT NULL,
            sender     TEXT    NOT NULL,
            ts         INTEGER NOT NULL,
            body       BLOB    NOT NULL,
            PRIMARY KEY (stream, seq)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS heads (
            stream   TEXT    NOT NULL PRIMARY KEY,
            tenant   TEXT    NOT NULL,
            last_seq INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS idempotency (
            tenant     TEXT    NOT NULL,
            sender     TEXT    NOT NULL,
            message_id TEXT    NOT NULL,
            stream     TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            ts         INTEGER NOT NULL,
            copy_seqs  TEXT    NOT NULL,
            PRIMARY KEY (tenant, sender, message_id)
        ) WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS idempotency_by_stream ON idempotency (stream, seq);
        """;

    public static void Apply(SqliteConnection connection)
    {
        // WAL lets readers run while the single writer commits; the mode is stored in the file.
        Execute(connection, "PRAGMA journal_mode = WAL;");

        // An ack promises the message is on disk. In WAL mode synchronous=NORMAL fsyncs only at
        // checkpoints: a commit then survives a crash of the process (the WAL is in the OS page
        // cache) but not a power loss or kernel crash, which may roll back acknowledged messages.
        // FULL fsyncs the WAL at every commit; group commit spreads that cost over a whole batch.
        Execute(connection, "PRAGMA synchronous = FULL;");

        using var transaction = connection.BeginTransaction(deferred: false);
        var version = Convert.ToInt64(Scalar(connection, transaction, "PRAGMA user_version;"));
        if (version > Version)
        {
            throw new InvalidOperationException($"The store file has schema version {version}; this Parley understands up to {Version}.");
        }

        Execute(connection, CreateTables, transaction);
        Execute(connection, $"PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
