using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

/// <summary>
/// The embedded-mode store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a
/// committed batch survives power loss. All writes go through one connection, one at a time
/// (SQLite has a single writer); reads open pooled connections of their own and run concurrently
/// with each other and with the writer, each seeing a consistent snapshot.
/// Any failure to read or write is reported as <see cref="StoreUnavailableException"/>.
/// </summary>
internal sealed partial class SqliteMessageStore : IMessageStore, IAsyncDisposable
{
    /// <summary>Streams per query of <see cref="GetHeadsAsync"/>; SQLite's default limit is 32,766 parameters.</summary>
    private const int HeadsPerQuery = 500;

    private readonly SqliteConnection _writer;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _disposed;

    /// <summary>The one writing connection; tests trace the statements a batch runs on it.</summary>
    internal SqliteConnection Writer => _writer;

    private SqliteMessageStore(SqliteConnection writer, string readConnectionString)
    {
        _writer = writer;
        _readConnectionString = readConnectionString;
    }

    /// <summary>Opens (creating the directory, file and tables when missing) the store at <paramref name="path"/>.</summary>
    public static async Task<SqliteMessageStore> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        };
        var writer = new SqliteConnection(builder.ToString());
        try
        {
            await writer.OpenAsync(cancellationToken);
            SqliteSchema.Apply(writer);
            DisableAutomaticCheckpoints(writer);
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }

        var checkpointer = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadOnly;
        builder.Pooling = true;
        var store = new SqliteMessageStore(writer, builder.ToString());
        store.StartCheckpoints(checkpointer);
        return store;
    }

    public async Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (limit <= 0)
        {
            return [];
        }

        return await ReadAsync(stream, """
            SELECT seq, message_id, sender, ts, body FROM messages
            WHERE stream = $stream AND seq > $seq ORDER BY seq LIMIT $limit
            """, afterSeq, limit, newestFirst: false, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredMessage>> ReadBeforeAsync(StreamId stream, long beforeSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (limit <= 0)
        {
            return [];
        }

        return await ReadAsync(stream, """
            SELECT seq, message_id, sender, ts, body FROM messages
            WHERE stream = $stream AND seq < $seq ORDER BY seq DESC LIMIT $limit
            """, beforeSeq, limit, newestFirst: true, cancellationToken);
    }

    public async Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            await using var connection = await OpenReaderAsync(cancellationToken);
            await using var command = connection.CreateCommand();

            // One statement, so both values come from the same snapshot.
            command.CommandText = """
                SELECT (SELECT last_seq FROM heads WHERE stream = $stream),
                       (SELECT min(seq) FROM messages WHERE stream = $stream)
                """;
            command.Parameters.AddWithValue("$stream", stream.Key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var head = reader.IsDBNull(0) ? 0 : reader.GetInt64(0);
            var first = reader.IsDBNull(1) ? head + 1 : reader.GetInt64(1);
            return new StreamHead(head, first);
        }
        catch (SqliteException e)
        {
            throw Unavailable("read the head of a stream", e);
        }
    }

    public async Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var heads = new Dictionary<StreamId, long>(streams.Count);
        try
        {
            await using var connection = await OpenReaderAsync(cancellationToken);
            foreach (var chunk in streams.Chunk(HeadsPerQuery))
            {
                await using var command = connection.CreateCommand();
                var names = new string[chunk.Length];
                for (var i = 0; i < chunk.Length; i++)
                {
                    names[i] = "$s" + i.ToString(CultureInfo.InvariantCulture);
                    command.Parameters.AddWithValue(names[i], chunk[i].Key);
                    heads[chunk[i]] = 0;
                }

                command.CommandText = $"SELECT stream, last_seq FROM heads WHERE stream IN ({string.Join(',', names)})";
                var byKey = chunk.ToDictionary(s => s.Key, StringComparer.Ordinal);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    heads[byKey[reader.GetString(0)]] = reader.GetInt64(1);
                }
            }

            return heads;
        }
        catch (SqliteException e)
        {
            throw Unavailable("read the heads of streams", e);
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenReaderAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM heads WHERE stream = ''";
            await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Unavailable("reach the store", e);
        }
    }

    /// <summary>Waits for the write in progress, then closes the file. Later calls fail with <see cref="StoreUnavailableException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopCheckpointsAsync();
        await _writeLock.WaitAsync();
        try
        {
            // Idle readers go first, so the writer is the last connection and checkpoints the WAL on close.
            using (var reader = new SqliteConnection(_readConnectionString))
            {
                SqliteConnection.ClearPool(reader);
            }

            DisposeAppendStatements();
            await _writer.DisposeAsync();
        }
        finally
        {
            // Not disposed: a writer still waiting on it must be able to acquire it and see _disposed.
            _writeLock.Release();
        }
    }

    private async Task<IReadOnlyList<StoredMessage>> ReadAsync(StreamId stream, string sql, long seq, int limit, bool newestFirst, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenReaderAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$stream", stream.Key);
            command.Parameters.AddWithValue("$seq", seq);
            command.Parameters.AddWithValue("$limit", limit);

            var messages = new List<StoredMessage>(Math.Min(limit, 256));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add(new StoredMessage(
                    stream,
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    SqliteTime.FromMicroseconds(reader.GetInt64(3)),
                    reader.GetFieldValue<byte[]>(4)));
            }

            if (newestFirst)
            {
                messages.Reverse();
            }

            return messages;
        }
        catch (SqliteException e)
        {
            throw Unavailable("read a stream", e);
        }
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new StoreUnavailableException("The store is closed.");
        }

        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes the single write slot; fails once the store is closed.</summary>
    private async Task AcquireWriterAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        if (Volatile.Read(ref _disposed) == 1)
        {
            _writeLock.Release();
            throw new StoreUnavailableException("The store is closed.");
        }
    }

    private static StoreUnavailableException Unavailable(string what, Exception inner) =>
        new($"The store could not {what}: {inner.Message}", inner);
}
