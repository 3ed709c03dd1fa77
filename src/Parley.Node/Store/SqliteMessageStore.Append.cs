using System.Globalization;
using System.Numerics;
using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Node.Tenancy;
using SQLitePCL;

namespace Parley.Node.Store;

internal sealed partial class SqliteMessageStore
{
    /// <summary>
    /// The append statements, compiled as batches first need them and kept for the writer's life, so a
    /// batch binds and steps statements instead of compiling them. Used only under the write lock;
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
            _append ??= new AppendStatements(_writer);
            _append.Join(transaction);
            var writer = new BatchWriter(_append, batch.Count);
            writer.ReadHeads(batch);
            var results = new AppendResult[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] = writer.Append(batch[i]);
            }

            writer.InsertMessages();
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

    /// <summary>
    /// The statements of the write path on the writer connection. Rows that need no answer of their
    /// own (messages, heads) are written many to a statement: each such statement comes in sizes of
    /// 1, 2, 4 … <see cref="MaxRowsPerStatement"/> rows, and a batch's rows are split into the
    /// fewest of them (100 rows: 64, 32 and 4), so a handful of compiled statements serve every
    /// batch size. The id claim stays one statement per message: whether it inserted is the
    /// answer that tells a new message from a repeat, before the next message takes a sequence.
    /// </summary>
    private sealed class AppendStatements : IDisposable
    {
        /// <summary>The largest multi-row statement: 64 rows of 6 values stay far below SQLite's 32,766 parameters.</summary>
        public const int MaxRowsPerStatement = 64;

        private static readonly int Sizes = BitOperations.Log2(MaxRowsPerStatement) + 1;

        private readonly SqliteConnection _connection;
        private readonly SqliteStatement?[] _insertMessages = new SqliteStatement?[Sizes];
        private readonly SqliteStatement?[] _readHeads = new SqliteStatement?[Sizes];
        private readonly SqliteStatement?[] _saveHeads = new SqliteStatement?[Sizes];
        private SqliteStatement? _claim;

        public AppendStatements(SqliteConnection connection)
        {
            _connection = connection;

            // The original's body comes along, so a reused id is told apart from a repeat. Rare, so
            // it stays an ordinary command.
            FindOriginal = connection.CreateCommand();
            FindOriginal.CommandText = """
                SELECT i.stream, i.seq, i.ts, i.copy_seqs, m.body FROM idempotency i
                LEFT JOIN messages m ON m.stream = i.stream AND m.seq = i.seq
                WHERE i.tenant = $tenant AND i.sender = $sender AND i.message_id = $message_id
                """;
            FindOriginal.Parameters.Add(new SqliteParameter { ParameterName = "$tenant" });
            FindOriginal.Parameters.Add(new SqliteParameter { ParameterName = "$sender" });
            FindOriginal.Parameters.Add(new SqliteParameter { ParameterName = "$message_id" });
        }

        public SqliteCommand FindOriginal { get; }

        /// <summary>
        /// Claims a message's id: (tenant, sender, message_id, stream, seq, ts, copy_seqs). Nothing
        /// happens when the id was committed before; the original is then read by <see cref="FindOriginal"/>.
        /// </summary>
        public SqliteStatement Claim => _claim ??= SqliteStatement.Prepare(_connection, """
            INSERT INTO idempotency (tenant, sender, message_id, stream, seq, ts, copy_seqs)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant, sender, message_id) DO NOTHING
            """);

        /// <summary>Inserts <paramref name="rows"/> messages, each bound as (stream, seq, message_id, sender, ts, body).</summary>
        public SqliteStatement InsertMessages(int rows) => Sized(_insertMessages, rows, static n =>
            "INSERT INTO messages (stream, seq, message_id, sender, ts, body) VALUES " + Rows(n, "(?, ?, ?, ?, ?, ?)"));

        /// <summary>Reads (stream, last_seq) of up to <paramref name="rows"/> streams, each bound as its key.</summary>
        public SqliteStatement ReadHeads(int rows) => Sized(_readHeads, rows, static n =>
            "SELECT stream, last_seq FROM heads WHERE stream IN (" + Rows(n, "?") + ")");

        /// <summary>
        /// Writes <paramref name="rows"/> heads, each bound as (stream, tenant, last_seq). The guard
        /// keeps a head from ever moving backwards, whatever happens to the messages.
        /// </summary>
        public SqliteStatement SaveHeads(int rows) => Sized(_saveHeads, rows, static n =>
            "INSERT INTO heads (stream, tenant, last_seq) VALUES " + Rows(n, "(?, ?, ?)") +
            " ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq WHERE excluded.last_seq > heads.last_seq");

        /// <summary>The rows of the largest statement that fits in <paramref name="remaining"/> rows.</summary>
        public static int ChunkSize(int remaining) => 1 << BitOperations.Log2((uint)Math.Min(remaining, MaxRowsPerStatement));

        /// <summary>The ordinary command runs inside <paramref name="transaction"/>, the batch's; the others share the connection's.</summary>
        public void Join(SqliteTransaction transaction) => FindOriginal.Transaction = transaction;

        public void Dispose()
        {
            FindOriginal.Dispose();
            _claim?.Dispose();
            foreach (var statement in _insertMessages.Concat(_readHeads).Concat(_saveHeads))
            {
                statement?.Dispose();
            }
        }

        private SqliteStatement Sized(SqliteStatement?[] statements, int rows, Func<int, string> sql)
        {
            var slot = BitOperations.Log2((uint)rows);
            return statements[slot] ??= SqliteStatement.Prepare(_connection, sql(rows));
        }

        private static string Rows(int count, string row)
        {
            var sql = new StringBuilder(count * (row.Length + 2));
            for (var i = 0; i < count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(row);
            }

            return sql.ToString();
        }
    }

    /// <summary>
    /// One batch: the heads it has advanced so far, the ids it has committed and the message rows
    /// still to insert. A new message costs one statement (claiming its id); its rows, and those of
    /// its copies, are inserted with the batch's other rows in a few multi-row statements at the
    /// end, as are the heads, read at the start; an id committed before costs one more read.
    /// </summary>
    /// <param name="size">The batch's requests, to size its tables once.</param>
    private sealed class BatchWriter(AppendStatements statements, int size)
    {
        private readonly Dictionary<string, Head> _heads = new(size, StringComparer.Ordinal);
        private readonly Dictionary<(string Tenant, string Sender, string MessageId), (AppendResult Result, ReadOnlyMemory<byte>? Body)> _committed = new(size);
        private readonly List<MessageRow> _rows = new(size);

        /// <summary>Reads the head of every stream the batch names, a few multi-row statements in all.</summary>
        public void ReadHeads(IReadOnlyList<AppendRequest> batch)
        {
            foreach (var request in batch)
            {
                ArgumentNullException.ThrowIfNull(request);
                _heads.TryAdd(request.Stream.Key, new Head(request.Stream.Tenant, 0, 0));
                foreach (var copy in request.Copies)
                {
                    _heads.TryAdd(copy.Key, new Head(copy.Tenant, 0, 0));
                }
            }

            var keys = _heads.Keys.ToArray();
            for (var start = 0; start < keys.Length;)
            {
                var size = AppendStatements.ChunkSize(keys.Length - start);
                var read = statements.ReadHeads(size);
                for (var i = 0; i < size; i++)
                {
                    read.Bind(i + 1, keys[start + i]);
                }

                read.Query(_heads, static (heads, row) =>
                {
                    var key = raw.sqlite3_column_text(row, 0).utf8_to_string();
                    var last = raw.sqlite3_column_int64(row, 1);
                    heads[key] = heads[key] with { Stored = last, Last = last };
                });
                start += size;
            }
        }

        public AppendResult Append(AppendRequest request)
        {
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

            // The request (and its body) lives until the batch is delivered, so its rows borrow it.
            _rows.Add(new MessageRow(request.Stream, seq, request, timestamp));
            for (var i = 0; i < copySeqs.Length; i++)
            {
                _rows.Add(new MessageRow(request.Copies[i], copySeqs[i], request, timestamp));
            }

            var result = new AppendResult(request.Stream, seq, SqliteTime.FromMicroseconds(timestamp), Duplicate: false) { CopySeqs = copySeqs };
            _committed[key] = (result, request.Body);
            return result;
        }

        /// <summary>Inserts every message row of the batch, in the order the sequences were taken.</summary>
        public void InsertMessages()
        {
            for (var start = 0; start < _rows.Count;)
            {
                var size = AppendStatements.ChunkSize(_rows.Count - start);
                var insert = statements.InsertMessages(size);
                for (var i = 0; i < size; i++)
                {
                    var row = _rows[start + i];
                    var p = (i * 6) + 1;
                    insert.Bind(p, row.Stream.Key);
                    insert.Bind(p + 1, row.Seq);
                    insert.Bind(p + 2, row.Request.MessageId);
                    insert.Bind(p + 3, row.Request.Sender);
                    insert.Bind(p + 4, row.Timestamp);
                    insert.Bind(p + 5, row.Request.Body.Span);
                }

                insert.Execute();
                start += size;
            }
        }

        /// <summary>Writes every head the batch moved; a head only read (every id in it a repeat) is left alone.</summary>
        public void SaveHeads()
        {
            var moved = new List<(string Stream, Head Head)>(_heads.Count);
            foreach (var (stream, head) in _heads)
            {
                if (head.Last > head.Stored)
                {
                    moved.Add((stream, head));
                }
            }

            for (var start = 0; start < moved.Count;)
            {
                var size = AppendStatements.ChunkSize(moved.Count - start);
                var save = statements.SaveHeads(size);
                for (var i = 0; i < size; i++)
                {
                    var (stream, head) = moved[start + i];
                    var p = (i * 3) + 1;
                    save.Bind(p, stream);
                    save.Bind(p + 1, head.Tenant);
                    save.Bind(p + 2, head.Last);
                }

                save.Execute();
                start += size;
            }
        }

        /// <summary>The answer to an id committed before: a duplicate when it names the same stream and body, else a conflict.</summary>
        private static AppendResult Repeat(AppendResult original, ReadOnlyMemory<byte>? body, AppendRequest request)
        {
            var same = original.Stream == request.Stream && (body is null || body.Value.Span.SequenceEqual(request.Body.Span));
            return original with { Duplicate = true, Conflict = !same };
        }

        /// <summary>Records the id's first commit; false when it was committed before.</summary>
        private bool Claim(AppendRequest request, long seq, long timestamp, long[] copySeqs)
        {
            var claim = statements.Claim;
            claim.Bind(1, request.Stream.Tenant);
            claim.Bind(2, request.Sender);
            claim.Bind(3, request.MessageId);
            claim.Bind(4, request.Stream.Key);
            claim.Bind(5, seq);
            claim.Bind(6, timestamp);
            claim.Bind(7, copySeqs.Length == 0 ? "" : string.Join(',', copySeqs.Select(s => s.ToString(CultureInfo.InvariantCulture))));
            return claim.Execute() == 1;
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

        private long Advance(StreamId stream)
        {
            var head = _heads[stream.Key];
            head = head with { Last = head.Last + 1 };
            _heads[stream.Key] = head;
            return head.Last;
        }

        private void GiveBack(StreamId stream)
        {
            var head = _heads[stream.Key];
            _heads[stream.Key] = head with { Last = head.Last - 1 };
        }

        /// <summary>A message row to insert: a stream's copy of <paramref name="Request"/> at <paramref name="Seq"/>.</summary>
        private readonly record struct MessageRow(StreamId Stream, long Seq, AppendRequest Request, long Timestamp);

        /// <param name="Stored">The head as read from the store at the start of the batch.</param>
        /// <param name="Last">The last sequence this batch has handed out.</param>
        private readonly record struct Head(string Tenant, long Stored, long Last);
    }
}
