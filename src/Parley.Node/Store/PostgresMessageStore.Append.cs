using System.Globalization;
using Npgsql;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

internal sealed partial class PostgresMessageStore
{
    // Claims each new message id. A key that another transaction holds uncommitted makes this wait
    // for that transaction; a key already committed is skipped. Rows go in in the order given (keys
    // sorted), so two batches claiming overlapping keys lock them in the same order.
    private const string ClaimSql = """
        INSERT INTO parley_idempotency (tenant, sender, message_id, stream, seq, ts, copy_seqs)
        SELECT r.tenant, r.sender, r.message_id, r.stream, 0, r.ts, '{}'
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY AS r(tenant, sender, message_id, stream, ts, ord)
        ORDER BY r.ord
        ON CONFLICT DO NOTHING
        RETURNING tenant, sender, message_id
        """;

    // Its own statement, so at READ COMMITTED it sees the commit a claim waited for. Rows with seq 0
    // are this transaction's own claims, not originals. The original's body comes along, so a
    // reused id is told apart from a repeat.
    private const string OriginalsSql = """
        SELECT i.tenant, i.sender, i.message_id, i.stream, i.seq, i.ts, i.copy_seqs, m.body
        FROM parley_idempotency i
        JOIN unnest($1::text[], $2::text[], $3::text[]) AS r(tenant, sender, message_id)
          ON i.tenant = r.tenant AND i.sender = r.sender AND i.message_id = r.message_id
        LEFT JOIN parley_messages m ON m.stream = i.stream AND m.seq = i.seq
        WHERE i.seq > 0
        """;

    // Reserves n sequences per stream. The row lock it takes lasts until commit: a batch from any
    // node for the same stream waits, then continues after this one. Streams come sorted, so every
    // batch locks heads in the same order and two batches never deadlock on them.
    private const string ReserveSql = """
        INSERT INTO parley_heads (stream, tenant, last_seq)
        SELECT r.stream, r.tenant, r.n
        FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS r(stream, tenant, n, ord)
        ORDER BY r.ord
        ON CONFLICT (stream) DO UPDATE SET last_seq = parley_heads.last_seq + excluded.last_seq
        RETURNING stream, last_seq
        """;

    private const string InsertMessagesSql = """
        INSERT INTO parley_messages (stream, seq, message_id, sender, ts, body)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[])
        """;

    private const string CompleteClaimsSql = """
        UPDATE parley_idempotency i SET seq = r.seq, copy_seqs = r.copy_seqs::bigint[]
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS r(tenant, sender, message_id, seq, copy_seqs)
        WHERE i.tenant = r.tenant AND i.sender = r.sender AND i.message_id = r.message_id
        """;

    /// <summary>
    /// One transaction in four round trips: claim the message ids and read the originals of those
    /// already committed; reserve sequences for the new ones; insert the messages and complete the
    /// claims; commit. Anything failing before the commit rolls the whole batch back (and a
    /// connection found broken then is replaced and the batch tried once more). A connection lost
    /// during the commit itself leaves the outcome unknown; that is reported as
    /// <see cref="CommitOutcomeUnknownException"/> and not retried, and a retry by the caller with
    /// the same message ids answers with the original sequences if it did commit.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        foreach (var request in batch)
        {
            ArgumentNullException.ThrowIfNull(request);
        }

        return await RunAsync<IReadOnlyList<AppendResult>>("commit the batch", async (connection, ct) =>
        {
            var plan = new AppendPlan(batch);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await ClaimAsync(connection, plan, ct);
            if (plan.HasNewMessages)
            {
                await ReserveAsync(connection, plan, ct);
                await WriteAsync(connection, plan, ct);
            }

            try
            {
                // Not cancelled once sent: a COMMIT abandoned half way leaves its outcome unknown,
                // while one left to finish (CommandTimeout bounds it) answers which it was.
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception e) when (IsStoreFailure(e, CancellationToken.None))
            {
                throw new CommitOutcomeUnknownException($"The store could not confirm the commit of the batch; it may or may not have been committed: {e.Message}", e);
            }

            return plan.Results();
        }, cancellationToken);
    }

    private static async Task ClaimAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken cancellationToken)
    {
        var keys = plan.Distinct;
        var tenants = keys.Select(i => plan[i].Stream.Tenant).ToArray();
        var senders = keys.Select(i => plan[i].Sender).ToArray();
        var messageIds = keys.Select(i => plan[i].MessageId).ToArray();

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(ClaimSql, tenants, senders, messageIds, keys.Select(i => plan[i].Stream.Key).ToArray(), keys.Select(plan.Timestamp).ToArray()),
                Command(OriginalsSql, tenants, senders, messageIds),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            plan.Claimed(new MessageKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var original = new AppendResult(ParseStream(reader.GetString(3)), reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5), Duplicate: true)
            {
                CopySeqs = reader.GetFieldValue<long[]>(6),
            };
            var body = reader.IsDBNull(7) ? null : reader.GetFieldValue<byte[]>(7);
            plan.Found(new MessageKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)), original, body);
        }

        plan.EnsureEveryKeyResolved();
    }

    private static async Task ReserveAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken cancellationToken)
    {
        var counts = plan.CountPerStream();
        await using var command = Command(connection, ReserveSql,
            counts.Select(c => c.Stream.Key).ToArray(),
            counts.Select(c => c.Stream.Tenant).ToArray(),
            counts.Select(c => c.Count).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var reserved = new Dictionary<string, long>(counts.Length, StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            reserved[reader.GetString(0)] = reader.GetInt64(1);
        }

        // RETURNING gives the new head; the batch's sequences are the Count numbers just below it.
        plan.AssignSequences(counts.ToDictionary(c => c.Stream.Key, c => reserved[c.Stream.Key] - c.Count, StringComparer.Ordinal));
    }

    private static async Task WriteAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken cancellationToken)
    {
        var rows = plan.MessageRows();
        var claims = plan.NewMessages;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(InsertMessagesSql,
                    rows.Select(r => r.Stream.Key).ToArray(),
                    rows.Select(r => r.Seq).ToArray(),
                    rows.Select(r => plan[r.Request].MessageId).ToArray(),
                    rows.Select(r => plan[r.Request].Sender).ToArray(),
                    rows.Select(r => plan.Timestamp(r.Request)).ToArray(),
                    rows.Select(r => plan.Body(r.Request)).ToArray()),
                Command(CompleteClaimsSql,
                    claims.Select(i => plan[i].Stream.Tenant).ToArray(),
                    claims.Select(i => plan[i].Sender).ToArray(),
                    claims.Select(i => plan[i].MessageId).ToArray(),
                    claims.Select(plan.Seq).ToArray(),
                    claims.Select(i => ArrayLiteral(plan.CopySeqs(i))).ToArray()),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string ArrayLiteral(long[] values) =>
        "{" + string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "}";

    private static NpgsqlBatchCommand Command(string sql, params object[] arrays)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var array in arrays)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = array });
        }

        return command;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] arrays)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var array in arrays)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = array });
        }

        return command;
    }

    private readonly record struct MessageKey(string Tenant, string Sender, string MessageId) : IComparable<MessageKey>
    {
        public int CompareTo(MessageKey other)
        {
            var byTenant = string.CompareOrdinal(Tenant, other.Tenant);
            if (byTenant != 0)
            {
                return byTenant;
            }

            var bySender = string.CompareOrdinal(Sender, other.Sender);
            return bySender != 0 ? bySender : string.CompareOrdinal(MessageId, other.MessageId);
        }

        public static MessageKey Of(AppendRequest request) => new(request.Stream.Tenant, request.Sender, request.MessageId);
    }

    /// <summary>
    /// What one batch has learnt so far: which requests repeat an earlier one in the batch, which
    /// ids this transaction claimed, which were committed before, and the sequences assigned.
    /// Requests are referred to by their index in the batch.
    /// </summary>
    private sealed class AppendPlan
    {
        private readonly IReadOnlyList<AppendRequest> _batch;
        private readonly int[] _firstOf;
        private readonly DateTimeOffset[] _timestamps;
        private readonly HashSet<MessageKey> _claimed = [];
        private readonly Dictionary<MessageKey, (AppendResult Result, byte[]? Body)> _originals = [];
        private readonly long[] _seqs;
        private readonly long[][] _copySeqs;
        private readonly byte[]?[] _bodies;

        public AppendPlan(IReadOnlyList<AppendRequest> batch)
        {
            _batch = batch;
            _firstOf = new int[batch.Count];
            _timestamps = new DateTimeOffset[batch.Count];
            _seqs = new long[batch.Count];
            _copySeqs = new long[batch.Count][];
            _bodies = new byte[]?[batch.Count];
            var first = new Dictionary<MessageKey, int>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                _firstOf[i] = first.TryAdd(MessageKey.Of(batch[i]), i) ? i : first[MessageKey.Of(batch[i])];
                _timestamps[i] = ToStored(batch[i].Timestamp);
            }

            Distinct = first.OrderBy(p => p.Key).Select(p => p.Value).ToArray();
        }

        /// <summary>The first request of each message id in the batch, ordered by id.</summary>
        public int[] Distinct { get; }

        /// <summary>Requests whose id this transaction claimed, in batch order.</summary>
        public int[] NewMessages { get; private set; } = [];

        public bool HasNewMessages => NewMessages.Length > 0;

        public AppendRequest this[int index] => _batch[index];

        public DateTimeOffset Timestamp(int index) => _timestamps[index];

        public long Seq(int index) => _seqs[index];

        public long[] CopySeqs(int index) => _copySeqs[index];

        /// <summary>The body as an array, copied once however many streams receive it.</summary>
        public byte[] Body(int index) => _bodies[index] ??= _batch[index].Body.ToArray();

        public void Claimed(MessageKey key) => _claimed.Add(key);

        public void Found(MessageKey key, AppendResult original, byte[]? body) => _originals[key] = (original, body);

        /// <summary>
        /// Every id is either claimed or committed before. Neither happens only if retention
        /// deleted the original between the claim and the read; the batch is then refused and a
        /// retry claims the id afresh.
        /// </summary>
        public void EnsureEveryKeyResolved()
        {
            foreach (var i in Distinct)
            {
                var key = MessageKey.Of(_batch[i]);
                if (!_claimed.Contains(key) && !_originals.ContainsKey(key))
                {
                    throw new StoreUnavailableException($"The message id '{key.MessageId}' was trimmed while the batch committed; nothing was written.");
                }
            }

            NewMessages = [.. Enumerable.Range(0, _batch.Count).Where(i => _firstOf[i] == i && _claimed.Contains(MessageKey.Of(_batch[i])))];
        }

        /// <summary>Sequences each stream needs, the copies included, ordered by stream key.</summary>
        public (StreamId Stream, long Count)[] CountPerStream()
        {
            var counts = new Dictionary<string, (StreamId Stream, long Count)>(StringComparer.Ordinal);
            foreach (var i in NewMessages)
            {
                Count(_batch[i].Stream);
                foreach (var copy in _batch[i].Copies)
                {
                    Count(copy);
                }
            }

            return [.. counts.Values.OrderBy(c => c.Stream.Key, StringComparer.Ordinal)];

            void Count(StreamId stream) =>
                counts[stream.Key] = (stream, counts.TryGetValue(stream.Key, out var c) ? c.Count + 1 : 1);
        }

        /// <summary>Hands out sequences after <paramref name="before"/> per stream in batch order, each message before its copies, as the embedded store does.</summary>
        public void AssignSequences(Dictionary<string, long> before)
        {
            foreach (var i in NewMessages)
            {
                _seqs[i] = ++before[_batch[i].Stream.Key];
                var copies = _batch[i].Copies;
                _copySeqs[i] = new long[copies.Count];
                for (var c = 0; c < copies.Count; c++)
                {
                    _copySeqs[i][c] = ++before[copies[c].Key];
                }
            }
        }

        /// <summary>Every row to insert: each new message in its own stream and in each copy's stream.</summary>
        public List<(int Request, StreamId Stream, long Seq)> MessageRows()
        {
            var rows = new List<(int, StreamId, long)>();
            foreach (var i in NewMessages)
            {
                rows.Add((i, _batch[i].Stream, _seqs[i]));
                for (var c = 0; c < _batch[i].Copies.Count; c++)
                {
                    rows.Add((i, _batch[i].Copies[c], _copySeqs[i][c]));
                }
            }

            return rows;
        }

        public AppendResult[] Results()
        {
            var results = new AppendResult[_batch.Count];
            for (var i = 0; i < results.Length; i++)
            {
                if (_firstOf[i] != i)
                {
                    var first = _batch[_firstOf[i]];
                    results[i] = results[_firstOf[i]] with { Duplicate = true, Conflict = results[_firstOf[i]].Conflict || !Same(first.Stream, first.Body.Span, _batch[i]) };
                }
                else if (_originals.TryGetValue(MessageKey.Of(_batch[i]), out var original))
                {
                    results[i] = original.Result with { Conflict = !SameAsStored(original.Result.Stream, original.Body, _batch[i]) };
                }
                else
                {
                    results[i] = new AppendResult(_batch[i].Stream, _seqs[i], _timestamps[i], Duplicate: false) { CopySeqs = _copySeqs[i] };
                }
            }

            return results;
        }

        /// <summary>Whether a request repeats a message with this stream and body (a body no longer stored is not compared).</summary>
        private static bool Same(StreamId stream, ReadOnlySpan<byte> body, AppendRequest request) =>
            stream == request.Stream && body.SequenceEqual(request.Body.Span);

        private static bool SameAsStored(StreamId stream, byte[]? body, AppendRequest request) =>
            body is null ? stream == request.Stream : Same(stream, body.AsSpan(), request);
    }
}
