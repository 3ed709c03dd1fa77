using Npgsql;

namespace Parley.Node.Store;

internal sealed partial class PostgresMessageStore
{
    /// <summary>Streams trimmed per statement, so no single transaction grows with the number of streams.</summary>
    private const int TrimChunk = 64;

    // Per stream, keep_from is the first sequence to keep: past the newest max_messages, and not
    // before the oldest unexpired message, so by age only the expired prefix goes and what remains
    // is one contiguous range ending at the head. The head is read in the statement's snapshot; an
    // append committing meanwhile only adds above it, so a stale head keeps more, never less. The
    // idempotency records of deleted messages go with them: a repeat of a message id is recognised
    // for as long as its message is retained. Heads are never touched.
    private const string TrimSql = """
        WITH keep AS (
            SELECT w.stream, GREATEST(
                1,
                h.last_seq - w.max_messages + 1,
                CASE WHEN w.cutoff IS NULL THEN 1 ELSE coalesce(
                    (SELECT m.seq FROM parley_messages m WHERE m.stream = w.stream AND m.ts >= w.cutoff ORDER BY m.seq LIMIT 1),
                    h.last_seq + 1) END) AS keep_from
            FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS w(stream, max_messages, cutoff)
            JOIN parley_heads h ON h.stream = w.stream
        ),
        originals AS (
            DELETE FROM parley_idempotency i USING keep k WHERE i.stream = k.stream AND i.seq < k.keep_from
        )
        DELETE FROM parley_messages m USING keep k WHERE m.stream = k.stream AND m.seq < k.keep_from
        """;

    public async Task<long> TrimAsync(Func<Tenancy.StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policyFor);
        var work = new List<(string Stream, long? MaxMessages, DateTimeOffset? Cutoff)>();
        foreach (var (stream, _) in await ListStreamsAsync(cancellationToken))
        {
            // A row under a key this node cannot read was not written by it: left alone.
            if (!Tenancy.StreamId.TryParseKey(stream, out var id))
            {
                continue;
            }

            var policy = policyFor(id!);
            if (policy.MaxMessages is not null || policy.MaxAge is not null)
            {
                work.Add((stream, policy.MaxMessages is int max ? Math.Max(max, 0) : null, policy.MaxAge is TimeSpan age ? now - age : null));
            }
        }

        long deleted = 0;
        foreach (var chunk in work.Chunk(TrimChunk))
        {
            // One statement, committed on its own; repeating it after a broken connection deletes nothing twice.
            deleted += await RunAsync("trim streams", async (connection, ct) =>
            {
                await using var command = new NpgsqlCommand(TrimSql, connection)
                {
                    Parameters =
                    {
                        new NpgsqlParameter { Value = chunk.Select(w => w.Stream).ToArray() },
                        new NpgsqlParameter { Value = chunk.Select(w => w.MaxMessages).ToArray() },
                        new NpgsqlParameter { Value = chunk.Select(w => w.Cutoff).ToArray() },
                    },
                };
                return (long)await command.ExecuteNonQueryAsync(ct);
            }, cancellationToken);
        }

        return deleted;
    }

    private Task<List<(string Stream, string Tenant)>> ListStreamsAsync(CancellationToken cancellationToken) =>
        RunAsync("list streams to trim", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand("SELECT stream, tenant FROM parley_heads", connection);
            var streams = new List<(string, string)>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                streams.Add((reader.GetString(0), reader.GetString(1)));
            }

            return streams;
        }, cancellationToken);
}
