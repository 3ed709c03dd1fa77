using Npgsql;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

internal sealed partial class PostgresMessageStore
{
    public async Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (limit <= 0)
        {
            return [];
        }

        return await ReadAsync(stream, """
            SELECT seq, message_id, sender, ts, body FROM parley_messages
            WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3
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
            SELECT seq, message_id, sender, ts, body FROM parley_messages
            WHERE stream = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3
            """, beforeSeq, limit, newestFirst: true, cancellationToken);
    }

    public Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return RunAsync("read the head of a stream", async (connection, ct) =>
        {
            // One statement, so both values come from the same snapshot.
            await using var command = new NpgsqlCommand("""
                SELECT (SELECT last_seq FROM parley_heads WHERE stream = $1),
                       (SELECT min(seq) FROM parley_messages WHERE stream = $1)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Key });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var head = reader.IsDBNull(0) ? 0 : reader.GetInt64(0);
            var first = reader.IsDBNull(1) ? head + 1 : reader.GetInt64(1);
            return new StreamHead(head, first);
        }, cancellationToken);
    }

    public Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        return RunAsync<IReadOnlyDictionary<StreamId, long>>("read the heads of streams", async (connection, ct) =>
        {
            var byKey = new Dictionary<string, StreamId>(streams.Count, StringComparer.Ordinal);
            var heads = new Dictionary<StreamId, long>(streams.Count);
            foreach (var stream in streams)
            {
                byKey[stream.Key] = stream;
                heads[stream] = 0;
            }

            // One round trip whatever the number of streams: the keys travel as one array.
            await using var command = new NpgsqlCommand("SELECT stream, last_seq FROM parley_heads WHERE stream = ANY($1)", connection);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. byKey.Keys] });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                heads[byKey[reader.GetString(0)]] = reader.GetInt64(1);
            }

            return heads;
        }, cancellationToken);
    }

    private Task<IReadOnlyList<StoredMessage>> ReadAsync(StreamId stream, string sql, long seq, int limit, bool newestFirst, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<StoredMessage>>("read a stream", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(sql, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string> { TypedValue = stream.Key },
                    new NpgsqlParameter<long> { TypedValue = seq },
                    new NpgsqlParameter<int> { TypedValue = limit },
                },
            };

            var messages = new List<StoredMessage>(Math.Min(limit, 256));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                messages.Add(new StoredMessage(
                    stream,
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetFieldValue<byte[]>(4)));
            }

            if (newestFirst)
            {
                messages.Reverse();
            }

            return messages;
        }, cancellationToken);
}
