using Microsoft.Data.Sqlite;
using SQLitePCL;
using Parley.Node.Store;
using Parley.Tests.Support;

namespace Parley.Tests.Store;

/// <summary>The shared specification against SQLite, plus what only a file-backed store has to show.</summary>
public sealed class SqliteMessageStoreTests : MessageStoreSpec
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-store-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "nested", "parley.db");

    protected override async Task<IMessageStore> CreateStoreAsync() => await SqliteMessageStore.OpenAsync(DatabasePath, Ct);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_batch_of_new_messages_runs_one_statement_per_message_and_three_for_all_its_rows_and_heads()
    {
        var rooms = Enumerable.Range(0, 4).Select(i => Room("acme", $"room-{i}")).ToArray();
        var batch = Enumerable.Range(0, 32).Select(i => Request(rooms[i % rooms.Length], "alice", $"m-{i}")).ToArray();

        var (results, statements) = await TracedAppendAsync(batch);

        Assert.All(results, r => Assert.False(r.Duplicate));
        // BEGIN and COMMIT; per message, claiming its id; then one statement reading the 4 heads,
        // one inserting the 32 messages and one saving the 4 heads.
        var expected = 2 + batch.Length + 3;
        Assert.True(statements.Count <= expected, $"{statements.Count} statements, expected at most {expected}:\n{string.Join('\n', statements)}");
    }

    [Fact]
    public async Task A_batch_larger_than_one_statement_is_split_into_a_few_and_numbers_every_stream_in_order()
    {
        // 100 messages over 70 rooms: rows and heads go 64 + 32 + 4 and 64 + 4 + 2 to a statement.
        var rooms = Enumerable.Range(0, 70).Select(i => Room("acme", $"room-{i}")).ToArray();
        await Store.AppendBatchAsync([Request(rooms[0], "alice", "first")], Ct);
        var batch = Enumerable.Range(0, 100).Select(i => Request(rooms[i % rooms.Length], "alice", $"m-{i}")).ToArray();

        var (results, statements) = await TracedAppendAsync(batch);

        var expected = 2 + batch.Length + 9;
        Assert.True(statements.Count <= expected, $"{statements.Count} statements, expected at most {expected}:\n{string.Join('\n', statements)}");
        Assert.Equal([2, 3], results.Where(r => r.Stream == rooms[0]).Select(r => r.Seq));
        Assert.Equal([1, 2], results.Where(r => r.Stream == rooms[29]).Select(r => r.Seq));
        Assert.Equal([1], results.Where(r => r.Stream == rooms[69]).Select(r => r.Seq));
        Assert.Equal(["first", "m-0", "m-70"], (await Store.ReadAfterAsync(rooms[0], 0, 10, Ct)).Select(m => m.MessageId));
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(rooms[29], Ct));
        Assert.Equal("m-69", Assert.Single(await Store.ReadAfterAsync(rooms[69], 0, 10, Ct)).MessageId);
    }

    /// <summary>Appends <paramref name="batch"/> with SQLite's own trace on the writer, returning every statement it ran.</summary>
    private async Task<(IReadOnlyList<AppendResult> Results, List<string> Statements)> TracedAppendAsync(AppendRequest[] batch)
    {
        var store = (SqliteMessageStore)Store;
        var statements = new List<string>();
        raw.sqlite3_trace(store.Writer.Handle, (delegate_trace)((_, sql) => statements.Add(sql.utf8_to_string())), null);
        try
        {
            return (await store.AppendBatchAsync(batch, Ct), statements);
        }
        finally
        {
            raw.sqlite3_trace(store.Writer.Handle, (delegate_trace)null!, null);
        }
    }

    [Fact]
    public void Opening_creates_the_missing_directory_and_file()
    {
        Assert.True(File.Exists(DatabasePath));
    }

    [Fact]
    public async Task The_wal_is_copied_into_the_database_file_in_the_background_not_by_commits()
    {
        var general = Room("acme", "general");
        var before = new FileInfo(DatabasePath).Length;
        // Far fewer pages than SQLite's automatic threshold (1,000): only the background checkpoint grows the file.
        await FillAsync(general, 200);

        await Eventually.TrueAsync(() => new FileInfo(DatabasePath).Length > before, "the database file holds the committed pages");
        Assert.True(((SqliteMessageStore)Store).CheckpointsDone > 0);
    }

    [Fact]
    public async Task Committed_messages_survive_closing_and_reopening_the_file()
    {
        var general = Room("acme", "general");
        await FillAsync(general, 3);
        await Store.TrimAsync(_ => new RetentionPolicy(2, null), DateTimeOffset.UtcNow, Ct);
        await ((SqliteMessageStore)Store).DisposeAsync();

        await using var reopened = await SqliteMessageStore.OpenAsync(DatabasePath, Ct);

        Assert.Equal(new StreamHead(3, 2), await reopened.GetHeadAsync(general, Ct));
        Assert.Equal(["general-2", "general-3"], (await reopened.ReadAfterAsync(general, 0, 10, Ct)).Select(m => m.MessageId));
        var repeat = (await reopened.AppendBatchAsync([Request(general, "filler", "general-3")], Ct))[0];
        Assert.True(repeat.Duplicate);
        Assert.Equal(3, repeat.Seq);
        Assert.Equal(4, (await reopened.AppendBatchAsync([Request(general, "alice", "next")], Ct))[0].Seq);
    }

    [Fact]
    public async Task Opening_an_existing_file_again_keeps_its_schema_and_data()
    {
        var general = Room("acme", "general");
        await FillAsync(general, 2);

        await using (var second = await SqliteMessageStore.OpenAsync(DatabasePath, Ct))
        {
            Assert.Equal(new StreamHead(2, 1), await second.GetHeadAsync(general, Ct));
        }

        await ((SqliteMessageStore)Store).DisposeAsync();
        await using var third = await SqliteMessageStore.OpenAsync(DatabasePath, Ct);
        Assert.Equal(3, (await third.AppendBatchAsync([Request(general, "alice", "after")], Ct))[0].Seq);
    }

    [Fact]
    public async Task The_file_is_in_write_ahead_log_mode()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_batch_that_fails_part_way_commits_nothing_and_the_next_batch_succeeds()
    {
        var general = Room("acme", "general");
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TRIGGER refuse_poison BEFORE INSERT ON messages WHEN NEW.message_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poison'); END;
                """;
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            Store.AppendBatchAsync([Request(general, "alice", "fine"), Request(Room("acme", "other"), "bob", "poison")], Ct));

        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(general, Ct));
        Assert.Empty(await Store.ReadAfterAsync(general, 0, 10, Ct));
        var retried = (await Store.AppendBatchAsync([Request(general, "alice", "fine")], Ct))[0];
        Assert.False(retried.Duplicate);
        Assert.Equal(1, retried.Seq);
    }

    [Fact]
    public async Task A_closed_store_refuses_appends_as_unavailable()
    {
        await ((SqliteMessageStore)Store).DisposeAsync();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.AppendBatchAsync([Request(Room("acme", "general"), "alice", "late")], Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.PingAsync(Ct));
    }
}
