using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Parley.Node.Store;

/// <summary>
/// One statement of the write path, compiled once on the writer connection and run through
/// SQLite's own interface. Binding goes straight from the caller's strings and bytes into SQLite
/// (which copies them), so running a statement allocates nothing; Microsoft.Data.Sqlite's command
/// would allocate a binder, a boxed number or a UTF-8 copy for every parameter of every row.
/// Parameters are positional (<c>?</c>), numbered from 1. Not thread-safe: used under the store's
/// write lock only.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    /// <summary>Strings up to this many UTF-8 bytes are encoded on the stack; longer ones in a pooled buffer.</summary>
    private const int StackTextBytes = 512;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    private SqliteStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
    }

    /// <summary>Compiles <paramref name="sql"/> for repeated use (SQLite keeps it out of its short-lived allocations).</summary>
    public static SqliteStatement Prepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The writer connection is not open.");
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement);
        if (rc != raw.SQLITE_OK || statement is null)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_OK ? raw.SQLITE_MISUSE : rc, db);
        }

        return new SqliteStatement(db, statement!);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, ReadOnlySpan<byte> blob) => Check(raw.sqlite3_bind_blob(_statement, index, blob));

    public void Bind(int index, string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= StackTextBytes)
        {
            Span<byte> buffer = stackalloc byte[StackTextBytes];
            var length = Encoding.UTF8.GetBytes(text, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..length]));
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            Check(raw.sqlite3_bind_text(_statement, index, rented.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Runs a statement that returns no rows; the number of rows it inserted or changed.</summary>
    public int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a query, handing each row to <paramref name="row"/>.</summary>
    public void Query<TState>(TState state, Action<TState, sqlite3_stmt> row)
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                row(state, _statement);
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
