using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

internal sealed partial class SqliteMessageStore
{
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
            using var writer = new BatchWriter(_writer, transaction);
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
            throw Unavailable("commit the batch; nothing was written", e);
        }
    }

    /// <summary>The statements of one batch, prepared once, and the heads it has advanced so far.</summary>
    private sealed class BatchWriter : IDisposable
    {
        private readonly SqliteCommand _findOriginal;
        private readonly SqliteCommand _readHead;
        private readonly SqliteCommand _insertMessage;
        private readonly SqliteCommand _insertOriginal;
        private readonly SqliteCommand _saveHead;
        private readonly Dictionary<string, (string Tenant, long Head)> _heads = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Tenant, string Sender, string MessageId), (AppendResult Result, ReadOnlyMemory<byte>? Body)> _committed = [];

        public BatchWriter(SqliteConnection connection, SqliteTransaction transaction)
        {
            // The original's body comes along, so a reused id is told apart from a repeat.
            _findOriginal = Command(connection, transaction, """
                SELECT i.stream, i.seq, i.ts, i.copy_seqs, m.body FROM idempotency i
                LEFT JOIN messages m ON m.stream = i.stream AND m.seq = i.seq
                WHERE i.tenant = $tenant AND i.sender = $sender AND i.message_id = $message_id
                """, "$tenant", "$sender", "$message_id");
            _readHead = Command(connection, transaction, "SELECT last_seq FROM heads WHERE stream = $stream", "$stream");
            _insertMessage = Command(connection, transaction, """
                INSERT INTO messages (stream, seq, message_id, sender, ts, body)
                VALUES ($stream, $seq, $message_id, $sender, $ts, $body)
                """, "$stream", "$seq", "$message_id", "$sender", "$ts", "$body");
            _insertOriginal = Command(connection, transaction, """
                INSERT INTO idempotency (tenant, sender, message_id, stream, seq, ts, copy_seqs)
                VALUES ($tenant, $sender, $message_id, $stream, $seq, $ts, $copy_seqs)
                """, "$tenant", "$sender", "$message_id", "$stream", "$seq", "$ts", "$copy_seqs");

            // The guard keeps a head from ever moving backwards, whatever happens to the messages.
            _saveHead = Command(connection, transaction, """
                INSERT INTO heads (stream, tenant, last_seq) VALUES ($stream, $tenant, $last_seq)
                ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq WHERE excluded.last_seq > heads.last_seq
                """, "$stream", "$tenant", "$last_seq");
        }

        public AppendResult Append(AppendRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            var key = (request.Stream.Tenant, request.Sender, request.MessageId);
            if (_committed.TryGetValue(key, out var earlier))
            {
                return Repeat(earlier.Result, earlier.Body, request);
            }

            var original = FindOriginal(key);
            if (original is not null)
            {
                _committed[key] = original.Value;
                return Repeat(original.Value.Result, original.Value.Body, request);
            }

            var timestamp = SqliteTime.ToMicroseconds(request.Timestamp);
            var body = request.Body.ToArray();
            var seq = Insert(request.Stream, request, timestamp, body);
            var copySeqs = new long[request.Copies.Count];
            for (var i = 0; i < copySeqs.Length; i++)
            {
                copySeqs[i] = Insert(request.Copies[i], request, timestamp, body);
            }

            Bind(_insertOriginal, request.Stream.Tenant, request.Sender, request.MessageId, request.Stream.Key, seq, timestamp,
                string.Join(',', copySeqs.Select(s => s.ToString(CultureInfo.InvariantCulture))));
            _insertOriginal.ExecuteNonQuery();

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

        public void SaveHeads()
        {
            foreach (var (stream, (tenant, head)) in _heads)
            {
                Bind(_saveHead, stream, tenant, head);
                _saveHead.ExecuteNonQuery();
            }
        }

        public void Dispose()
        {
            _findOriginal.Dispose();
            _readHead.Dispose();
            _insertMessage.Dispose();
            _insertOriginal.Dispose();
            _saveHead.Dispose();
        }

        /// <summary>The original commit of an id, with its stored body (null when the message row is gone).</summary>
        private (AppendResult Result, ReadOnlyMemory<byte>? Body)? FindOriginal((string Tenant, string Sender, string MessageId) key)
        {
            Bind(_findOriginal, key.Tenant, key.Sender, key.MessageId);
            using var reader = _findOriginal.ExecuteReader();
            if (!reader.Read())
            {
                return null;
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

        private long Insert(StreamId stream, AppendRequest request, long timestamp, byte[] body)
        {
            var seq = NextSeq(stream);
            Bind(_insertMessage, stream.Key, seq, request.MessageId, request.Sender, timestamp, body);
            _insertMessage.ExecuteNonQuery();
            return seq;
        }

        private long NextSeq(StreamId stream)
        {
            if (!_heads.TryGetValue(stream.Key, out var entry))
            {
                Bind(_readHead, stream.Key);
                entry = (stream.Tenant, _readHead.ExecuteScalar() is long head ? head : 0);
            }

            _heads[stream.Key] = (entry.Tenant, entry.Head + 1);
            return entry.Head + 1;
        }

        private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            command.Prepare();
            return command;
        }

        private static void Bind(SqliteCommand command, params object[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }
        }
    }
}
