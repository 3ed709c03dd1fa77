using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

internal sealed partial class SqliteMessageStore
{
    /// <summary>
    /// The append statements, compiled on the first batch and kept for the writer's life, so a
    /// batch binds and steps statements instead of compiling five. Used only under the write lock;
    /// dropped (and compiled again by the next batch) when a batch fails, so no statement left in
    /// an unknown state is reused.
    /// </summary>
    private AppendStatements? _append;

    public async Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        await AcquireWriterAsync(cancellationToken);
        try
        {
            return Commit(batch);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private AppendResult[] Commit(IReadOnlyList<AppendRequest> batch)
    {
        try
        {
            // BEGIN IMMEDIATE: the write lock is taken up front, so the heads read below cannot go stale.
            using var transaction = _writer.BeginTransaction(deferred: false);
            _append ??= AppendStatements.Prepare(_writer, transaction);
            _append.Join(transaction);
            var writer = new BatchWriter(_append);
            var results = new AppendResult[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] = writer.Append(batch[i]);
            }

            writer.SaveHeads();
            transaction.Commit();
            return results;
        }
        catch (Exception e)
        {
            // Disposing the transaction (inside the try) rolled it back: nothing of the batch is written.
            _append?.Dispose();
            _append = null;
            throw Unavailable("commit the batch; nothing was written", e);
        }
    }

    /// <summary>Closes the append statements; called under the write lock before the writer closes.</summary>
    private void DisposeAppendStatements()
    {
        _append?.Dispose();
        _append = null;
    }

    /// <summary>The five statements of the write path, prepared once on the writer connection.</summary>
    private sealed class AppendStatements : IDisposable
    {
        private AppendStatements(SqliteConnection connection)
        {
            // Claims the id for this message. Nothing happens when the id was committed before;
            // the original is then read by FindOriginal, which a new message never needs.
            Claim = Command(connection, """
                INSERT INTO idempotency (tenant, sender, message_id, stream, seq, ts, copy_seqs)
                VALUES ($tenant, $sender, $message_id, $stream, $seq, $ts, $copy_seqs)
                ON CONFLICT (tenant, sender, message_id) DO NOTHING
                """, "$tenant", "$sender", "$message_id", "$stream", "$seq", "$ts", "$copy_seqs");

            // The original's body comes along, so a reused id is told apart from a repeat.
            FindOriginal = Command(connection, """
                SELECT i.stream, i.seq, i.ts, i.copy_seqs, m.body FROM idempotency i
                LEFT JOIN messages m ON m.stream = i.stream AND m.seq = i.seq
                WHERE i.tenant = $tenant AND i.sender = $sender AND i.message_id = $message_id
                """, "$tenant", "$sender", "$message_id");
            ReadHead = Command(connection, "SELECT last_seq FROM heads WHERE stream = $stream", "$stream");
            InsertMessage = Command(connection, """
                INSERT INTO messages (stream, seq, message_id, sender, ts, body)
                VALUES ($stream, $seq, $message_id, $sender, $ts, $body)
                """, "$stream", "$seq", "$message_id", "$sender", "$ts", "$body");

            // The guard keeps a head from ever moving backwards, whatever happens to the messages.
            SaveHead = Command(connection, """
                INSERT INTO heads (stream, tenant, last_seq) VALUES ($stream, $tenant, $last_seq)
                ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq WHERE excluded.last_seq > heads.last_seq
                """, "$stream", "$tenant", "$last_seq");
        }

        public SqliteCommand Claim { get; }

        public SqliteCommand FindOriginal { get; }

        public SqliteCommand ReadHead { get; }

        public SqliteCommand InsertMessage { get; }

        public SqliteCommand SaveHead { get; }

        /// <summary>
        /// Compiles the statements inside the first batch's transaction. Microsoft.Data.Sqlite keeps
        /// a command's compiled statements between executions only once it has been prepared
        /// explicitly; an unprepared command compiles its SQL again at every execution.
        /// </summary>
        public static AppendStatements Prepare(SqliteConnection connection, SqliteTransaction transaction)
        {
            var statements = new AppendStatements(connection);
            try
            {
                statements.Join(transaction);
                statements.Claim.Prepare();
                statements.FindOriginal.Prepare();
                statements.ReadHead.Prepare();
                statements.InsertMessage.Prepare();
                statements.SaveHead.Prepare();
                return statements;
            }
            catch
            {
                statements.Dispose();
                throw;
            }
        }

        /// <summary>Every statement runs inside <paramref name="transaction"/>, the batch's.</summary>
        public void Join(SqliteTransaction transaction)
        {
            Claim.Transaction = transaction;
            FindOriginal.Transaction = transaction;
            ReadHead.Transaction = transaction;
            InsertMessage.Transaction = transaction;
            SaveHead.Transaction = transaction;
        }

        public void Dispose()
        {
            Claim.Dispose();
            FindOriginal.Dispose();
            ReadHead.Dispose();
            InsertMessage.Dispose();
            SaveHead.Dispose();
        }

        private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            return command;
        }
    }

    /// <summary>
    /// One batch: the heads it has advanced so far and the ids it has committed. A new message
    /// costs two statements (claim its id, insert it) and one more per copy; a stream costs one
    /// read of its head and one write of it at the end; an id committed before costs one read.
    /// </summary>
    private sealed class BatchWriter(AppendStatements statements)
    {
        private readonly Dictionary<string, Head> _heads = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Tenant, string Sender, string MessageId), (AppendResult Result, ReadOnlyMemory<byte>? Body)> _committed = [];

        public AppendResult Append(AppendRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            var key = (request.Stream.Tenant, request.Sender, request.MessageId);
            if (_committed.TryGetValue(key, out var earlier))
            {
                return Repeat(earlier.Result, earlier.Body, request);
            }

            // Sequences are taken before the claim, which records them; a claim that finds the id
            // committed before hands them back, so the streams' heads are as if it never came.
            var seq = Advance(request.Stream);
            var copySeqs = request.Copies.Count == 0 ? [] : new long[request.Copies.Count];
            for (var i = 0; i < copySeqs.Length; i++)
            {
                copySeqs[i] = Advance(request.Copies[i]);
            }

            var timestamp = SqliteTime.ToMicroseconds(request.Timestamp);
            if (!Claim(request, seq, timestamp, copySeqs))
            {
                for (var i = copySeqs.Length - 1; i >= 0; i--)
                {
                    GiveBack(request.Copies[i]);
                }

                GiveBack(request.Stream);
                var original = FindOriginal(key);
                _committed[key] = original;
                return Repeat(original.Result, original.Body, request);
            }

            var body = request.Body.ToArray();
            Insert(request.Stream, seq, request, timestamp, body);
            for (var i = 0; i < copySeqs.Length; i++)
            {
                Insert(request.Copies[i], copySeqs[i], request, timestamp, body);
            }

            var result = new AppendResult(request.Stream, seq, SqliteTime.FromMicroseconds(timestamp), Duplicate: false) { CopySeqs = copySeqs };
            _committed[key] = (result, body);
            return result;
        }

        /// <summary>The answer to an id committed before: a duplicate when it names the same stream and body, else a conflict.</summary>
        private static AppendResult Repeat(AppendResult original, ReadOnlyMemory<byte>? body, AppendRequest request)
        {
            var same = original.Stream == request.Stream && (body is null || body.Value.Span.SequenceEqual(request.Body.Span));
            return original with { Duplicate = true, Conflict = !same };
        }

        /// <summary>Writes every head the batch moved; a head only read (every id in it a repeat) is left alone.</summary>
        public void SaveHeads()
        {
            var save = statements.SaveHead;
            foreach (var (stream, head) in _heads)
            {
                if (head.Last > head.Stored)
                {
                    save.Parameters[0].Value = stream;
                    save.Parameters[1].Value = head.Tenant;
                    save.Parameters[2].Value = head.Last;
                    save.ExecuteNonQuery();
                }
            }
        }

        /// <summary>Records the id's first commit; false when it was committed before.</summary>
        private bool Claim(AppendRequest request, long seq, long timestamp, long[] copySeqs)
        {
            var claim = statements.Claim;
            claim.Parameters[0].Value = request.Stream.Tenant;
            claim.Parameters[1].Value = request.Sender;
            claim.Parameters[2].Value = request.MessageId;
            claim.Parameters[3].Value = request.Stream.Key;
            claim.Parameters[4].Value = seq;
            claim.Parameters[5].Value = timestamp;
            claim.Parameters[6].Value = copySeqs.Length == 0 ? "" : string.Join(',', copySeqs.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            return claim.ExecuteNonQuery() == 1;
        }

        /// <summary>The original commit of an id, with its stored body (null when the message row is gone).</summary>
        private (AppendResult Result, ReadOnlyMemory<byte>? Body) FindOriginal((string Tenant, string Sender, string MessageId) key)
        {
            var find = statements.FindOriginal;
            find.Parameters[0].Value = key.Tenant;
            find.Parameters[1].Value = key.Sender;
            find.Parameters[2].Value = key.MessageId;
            using var reader = find.ExecuteReader();
            if (!reader.Read())
            {
                // The claim found the row in this same transaction; nothing else writes meanwhile.
                throw new InvalidDataException("The store lost an idempotency record inside a transaction.");
            }

            var streamKey = reader.GetString(0);
            if (!StreamId.TryParseKey(streamKey, out var stream))
            {
                throw new InvalidDataException($"The store holds an unreadable stream key '{streamKey}'.");
            }

            var copySeqs = reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            ReadOnlyMemory<byte>? body = reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4);
            return (new AppendResult(stream!, reader.GetInt64(1), SqliteTime.FromMicroseconds(reader.GetInt64(2)), Duplicate: true) { CopySeqs = copySeqs }, body);
        }

        private void Insert(StreamId stream, long seq, AppendRequest request, long timestamp, byte[] body)
        {
            var insert = statements.InsertMessage;
            insert.Parameters[0].Value = stream.Key;
            insert.Parameters[1].Value = seq;
            insert.Parameters[2].Value = request.MessageId;
            insert.Parameters[3].Value = request.Sender;
            insert.Parameters[4].Value = timestamp;
            insert.Parameters[5].Value = body;
            insert.ExecuteNonQuery();
        }

        private long Advance(StreamId stream)
        {
            if (!_heads.TryGetValue(stream.Key, out var head))
            {
                var read = statements.ReadHead;
                read.Parameters[0].Value = stream.Key;
                var stored = read.ExecuteScalar() is long last ? last : 0;
                head = new Head(stream.Tenant, stored, stored);
            }

            head = head with { Last = head.Last + 1 };
            _heads[stream.Key] = head;
            return head.Last;
        }

        private void GiveBack(StreamId stream)
        {
            var head = _heads[stream.Key];
            _heads[stream.Key] = head with { Last = head.Last - 1 };
        }

        /// <param name="Stored">The head as read from the store at the start of the batch.</param>
        /// <param name="Last">The last sequence this batch has handed out.</param>
        private readonly record struct Head(string Tenant, long Stored, long Last);
    }
}
