using Microsoft.Data.Sqlite;

namespace Parley.Node.Store;

internal sealed partial class SqliteMessageStore
{
    /// <summary>Streams trimmed per write transaction, so appends wait behind at most one short chunk.</summary>
    private const int TrimChunk = 64;

    /// <summary>
    /// Deletes, per stream, the prefix of messages past retention. By age, only the messages before
    /// the oldest unexpired one go, so what remains is always one contiguous range ending at the
    /// head. The idempotency records of deleted messages go with them: a repeat of a message id
    /// is recognised for as long as its message is retained.
    /// </summary>
    public async Task<long> TrimAsync(Func<Tenancy.StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policyFor);
        var work = new List<(string Stream, long Head, RetentionPolicy Policy)>();
        foreach (var (stream, _, head) in await ListStreamsAsync(cancellationToken))
        {
            // A row under a key this node cannot read was not written by it: left alone.
            if (!Tenancy.StreamId.TryParseKey(stream, out var id))
            {
                continue;
            }

            var policy = policyFor(id!);
            if (policy.MaxMessages is not null || policy.MaxAge is not null)
            {
                work.Add((stream, head, policy));
            }
        }

        long deleted = 0;
        foreach (var chunk in work.Chunk(TrimChunk))
        {
            await AcquireWriterAsync(cancellationToken);
            try
            {
                deleted += Trim(chunk, now);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        return deleted;
    }

    private async Task<List<(string Stream, string Tenant, long Head)>> ListStreamsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenReaderAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT stream, tenant, last_seq FROM heads";
            var streams = new List<(string, string, long)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                streams.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }

            return streams;
        }
        catch (SqliteException e)
        {
            throw Unavailable("list streams to trim", e);
        }
    }

    /// <summary>
    /// Trims one chunk of streams in one transaction. <c>head</c> was read before the write lock was
    /// taken and may be behind; a count limit computed from it keeps more, never less.
    /// </summary>
    private long Trim((string Stream, long Head, RetentionPolicy Policy)[] chunk, DateTimeOffset now)
    {
        try
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            using var firstUnexpired = _writer.CreateCommand();
            firstUnexpired.Transaction = transaction;
            firstUnexpired.CommandText = "SELECT seq FROM messages WHERE stream = $stream AND ts >= $cutoff ORDER BY seq LIMIT 1";
            using var deleteMessages = _writer.CreateCommand();
            deleteMessages.Transaction = transaction;
            deleteMessages.CommandText = "DELETE FROM messages WHERE stream = $stream AND seq < $first";
            using var deleteOriginals = _writer.CreateCommand();
            deleteOriginals.Transaction = transaction;
            deleteOriginals.CommandText = "DELETE FROM idempotency WHERE stream = $stream AND seq < $first";

            long deleted = 0;
            foreach (var (stream, head, policy) in chunk)
            {
                // The first sequence to keep; everything below it goes.
                long keepFrom = 1;
                if (policy.MaxMessages is int max)
                {
                    keepFrom = Math.Max(keepFrom, head - Math.Max(max, 0) + 1);
                }

                if (policy.MaxAge is TimeSpan age)
                {
                    firstUnexpired.Parameters.Clear();
                    firstUnexpired.Parameters.AddWithValue("$stream", stream);
                    firstUnexpired.Parameters.AddWithValue("$cutoff", SqliteTime.ToMicroseconds(now - age));
                    keepFrom = Math.Max(keepFrom, firstUnexpired.ExecuteScalar() is long seq ? seq : head + 1);
                }

                if (keepFrom <= 1)
                {
                    continue;
                }

                deleteMessages.Parameters.Clear();
                deleteMessages.Parameters.AddWithValue("$stream", stream);
                deleteMessages.Parameters.AddWithValue("$first", keepFrom);
                deleted += deleteMessages.ExecuteNonQuery();

                deleteOriginals.Parameters.Clear();
                deleteOriginals.Parameters.AddWithValue("$stream", stream);
                deleteOriginals.Parameters.AddWithValue("$first", keepFrom);
                deleteOriginals.ExecuteNonQuery();
            }

            transaction.Commit();
            return deleted;
        }
        catch (Exception e)
        {
            throw Unavailable("trim streams", e);
        }
    }
}
