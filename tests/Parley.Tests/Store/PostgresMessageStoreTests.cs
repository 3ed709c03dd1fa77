using Npgsql;
using Parley.Node.Options;
using Parley.Node.Store;
using Parley.Tests.Support;

namespace Parley.Tests.Store;

/// <summary>
/// The shared specification against a real PostgreSQL, each test in a fresh database, plus what
/// only a store shared by several nodes has to show.
/// </summary>
public sealed class PostgresMessageStoreTests : MessageStoreSpec
{
    private PostgresServer? _server;
    private string? _database;

    private PostgresServer Server => _server!;

    /// <summary>The connection string of this test's own database.</summary>
    private string Database => _database!;

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        _server = await PostgresServer.SharedAsync();
        _database = await _server.CreateDatabaseAsync();
        return await OpenAsync(_database);
    }

    [Fact]
    public async Task Four_stores_opening_at_once_on_an_empty_database_migrate_it_exactly_once()
    {
        var empty = await Server.CreateDatabaseAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => OpenAsync(empty))));
        try
        {
            Assert.Equal(Enumerable.Range(1, PostgresMessageStore.SchemaVersion), await VersionsAsync(empty));
            var general = Room("acme", "general");
            Assert.Equal(1, (await stores[0].AppendBatchAsync([Request(general, "alice", "m1")], Ct))[0].Seq);
            Assert.Equal(2, (await stores[3].AppendBatchAsync([Request(general, "alice", "m2")], Ct))[0].Seq);
            Assert.Equal(["m1", "m2"], (await stores[1].ReadAfterAsync(general, 0, 10, Ct)).Select(m => m.MessageId));

            await using var later = await OpenAsync(empty);
            Assert.Equal(Enumerable.Range(1, PostgresMessageStore.SchemaVersion), await VersionsAsync(empty));
            Assert.Equal(new StreamHead(2, 1), await later.GetHeadAsync(general, Ct));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_parley_is_refused()
    {
        await ExecuteAsync(Database, "INSERT INTO parley_schema_version (version) VALUES (999)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(Database));

        Assert.Contains("999", error.Message);
    }

    [Fact]
    public async Task Two_nodes_appending_concurrently_to_the_same_streams_get_contiguous_sequences_without_repeats()
    {
        await using var other = await OpenAsync(Database);
        IMessageStore[] nodes = [Store, other];
        string[] rooms = ["a", "b", "c"];
        const int WritersPerNode = 6;
        const int Batches = 10;
        const int BatchSize = 4;

        var writers = nodes.SelectMany((node, n) => Enumerable.Range(0, WritersPerNode).Select(w => Task.Run(async () =>
        {
            var results = new List<AppendResult>();
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, BatchSize)
                    .Select(i => Request(Room("acme", rooms[(w + b + i) % rooms.Length]), $"node{n}-user{w}", $"m{b}-{i}"))
                    .ToArray();
                results.AddRange(await node.AppendBatchAsync(batch, Ct));
            }

            return results;
        })));
        var all = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        Assert.Equal(nodes.Length * WritersPerNode * Batches * BatchSize, all.Count);
        Assert.All(all, r => Assert.False(r.Duplicate));
        foreach (var room in rooms)
        {
            var stream = Room("acme", room);
            var seqs = all.Where(r => r.Stream == stream).Select(r => r.Seq).Order().ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            var stored = await other.ReadAfterAsync(stream, 0, 10_000, Ct);
            Assert.Equal(seqs, stored.Select(m => m.Seq));
            Assert.Equal(stored.Count, stored.Select(m => (m.Sender, m.MessageId)).Distinct().Count());
        }
    }

    [Fact]
    public async Task The_same_message_ids_sent_through_two_nodes_at_once_are_each_committed_once()
    {
        await using var other = await OpenAsync(Database);
        var general = Room("acme", "general");
        const int Ids = 40;

        var appends = Enumerable.Range(0, Ids).SelectMany(i => new[] { Store, other }.Select(node =>
            Task.Run(() => node.AppendBatchAsync([Request(general, "alice", $"c-{i}")], Ct)))).ToArray();
        var results = (await Task.WhenAll(appends)).Select(r => r.Single()).ToList();

        var byId = results.Select((r, n) => (Id: n / 2, Result: r)).GroupBy(x => x.Id).ToList();
        Assert.All(byId, pair =>
        {
            Assert.Single(pair, x => !x.Result.Duplicate);
            Assert.Single(pair.Select(x => x.Result.Seq).Distinct());
        });
        Assert.Equal(new StreamHead(Ids, 1), await Store.GetHeadAsync(general, Ct));
        var stored = await Store.ReadAfterAsync(general, 0, 1000, Ct);
        Assert.Equal(Ids, stored.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task A_message_id_claimed_by_one_node_while_another_commits_it_resolves_to_the_winner()
    {
        await using var other = await OpenAsync(Database);
        var general = Room("acme", "general");
        await Store.AppendBatchAsync([Request(general, "bob", "before")], Ct);

        // Holding the stream's head row keeps the first node inside its transaction after it has
        // claimed the id, so the second node meets that claim uncommitted.
        await using var blocker = await OpenConnectionAsync(Database);
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockHead = new NpgsqlCommand($"SELECT last_seq FROM parley_heads WHERE stream = '{general.Key}' FOR UPDATE", blocker, transaction))
        {
            await lockHead.ExecuteScalarAsync();
        }

        var first = Task.Run(() => Store.AppendBatchAsync([Request(general, "alice", "c-1", "\"first\"")], Ct));
        await Eventually.TrueAsync(async () => await WaitingOnLocksAsync(Database) == 1, "the first node to wait for the head row");
        var second = Task.Run(() => other.AppendBatchAsync([Request(general, "alice", "c-1", "\"second\"")], Ct));
        await Eventually.TrueAsync(async () => await WaitingOnLocksAsync(Database) == 2, "the second node to wait for the first node's claim");
        await transaction.CommitAsync();

        var won = (await Eventually.WithinAsync(first, "the first append")).Single();
        var lost = (await Eventually.WithinAsync(second, "the second append")).Single();
        Assert.False(won.Duplicate);
        Assert.True(lost.Duplicate);
        Assert.Equal((general, 2L, won.Timestamp), (lost.Stream, lost.Seq, lost.Timestamp));
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(general, Ct));
        Assert.Equal(["\"first\""], (await Store.ReadAfterAsync(general, 1, 10, Ct)).Select(m => Text(m.Body)));
    }

    [Fact]
    public async Task A_batch_that_fails_part_way_commits_nothing_and_the_next_batch_succeeds()
    {
        var general = Room("acme", "general");
        await ExecuteAsync(Database, """
            CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.message_id = 'poison' THEN RAISE EXCEPTION 'poison'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_poison BEFORE INSERT ON parley_messages FOR EACH ROW EXECUTE FUNCTION refuse_poison();
            """);

        await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            Store.AppendBatchAsync([Request(general, "alice", "fine"), Request(Room("acme", "other"), "bob", "poison")], Ct));

        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(general, Ct));
        Assert.Empty(await Store.ReadAfterAsync(general, 0, 10, Ct));
        var retried = (await Store.AppendBatchAsync([Request(general, "alice", "fine")], Ct))[0];
        Assert.False(retried.Duplicate);
        Assert.Equal(1, retried.Seq);
    }

    [Fact]
    public async Task Committed_messages_are_seen_by_a_store_opened_later_on_the_same_database()
    {
        var general = Room("acme", "general");
        await FillAsync(general, 3);
        await Store.TrimAsync(_ => new RetentionPolicy(2, null), DateTimeOffset.UtcNow, Ct);
        await ((PostgresMessageStore)Store).DisposeAsync();

        await using var reopened = await OpenAsync(Database);

        Assert.Equal(new StreamHead(3, 2), await reopened.GetHeadAsync(general, Ct));
        Assert.Equal(["general-2", "general-3"], (await reopened.ReadAfterAsync(general, 0, 10, Ct)).Select(m => m.MessageId));
        var repeat = (await reopened.AppendBatchAsync([Request(general, "filler", "general-3")], Ct))[0];
        Assert.True(repeat.Duplicate);
        Assert.Equal(3, repeat.Seq);
        Assert.Equal(4, (await reopened.AppendBatchAsync([Request(general, "alice", "next")], Ct))[0].Seq);
    }

    [Fact]
    public async Task A_closed_store_refuses_appends_as_unavailable()
    {
        await ((PostgresMessageStore)Store).DisposeAsync();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.AppendBatchAsync([Request(Room("acme", "general"), "alice", "late")], Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.PingAsync(Ct));
    }

    [Fact]
    public async Task Appends_fail_as_unavailable_while_postgres_is_down_and_succeed_once_it_is_back()
    {
        await using var server = await PostgresServer.CreateAsync();
        await using var store = await OpenAsync(await server.CreateDatabaseAsync());
        var general = Room("acme", "general");
        Assert.Equal(1, (await store.AppendBatchAsync([Request(general, "alice", "m1")], Ct))[0].Seq);

        await server.StopAsync();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.AppendBatchAsync([Request(general, "alice", "m2")], Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PingAsync(Ct));

        await server.StartAsync();

        var after = (await store.AppendBatchAsync([Request(general, "alice", "m2")], Ct))[0];
        Assert.False(after.Duplicate);
        Assert.Equal(2, after.Seq);
        await store.PingAsync(Ct);
        Assert.Equal(["m1", "m2"], (await store.ReadAfterAsync(general, 0, 10, Ct)).Select(m => m.MessageId));
    }

    [Fact]
    public async Task The_first_append_after_a_restart_of_an_idle_pool_succeeds()
    {
        await using var server = await PostgresServer.CreateAsync();
        await using var store = await OpenAsync(await server.CreateDatabaseAsync());
        var general = Room("acme", "general");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => store.AppendBatchAsync([Request(general, "alice", $"warm-{i}")], Ct)));

        await server.RestartAsync();

        var after = (await store.AppendBatchAsync([Request(general, "alice", "after")], Ct))[0];
        Assert.Equal(5, after.Seq);
    }

    [Fact]
    public async Task The_pool_settings_of_the_options_override_the_connection_string()
    {
        var options = new PostgresOptions
        {
            ConnectionString = Database + ";Maximum Pool Size=99;Timeout=60;Application Name=billing",
            MaxPoolSize = 7,
            MinPoolSize = 1,
            AcquireTimeout = TimeSpan.FromSeconds(3),
            ConnectionIdleLifetime = TimeSpan.FromSeconds(45),
            ConnectionLifetime = TimeSpan.FromMinutes(10),
            CommandTimeout = TimeSpan.FromMilliseconds(1500),
        };

        await using var store = await PostgresMessageStore.OpenAsync(options, null, Ct);

        var applied = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString);
        Assert.True(applied.Pooling);
        Assert.Equal(7, applied.MaxPoolSize);
        Assert.Equal(1, applied.MinPoolSize);
        Assert.Equal(3, applied.Timeout);
        Assert.Equal(45, applied.ConnectionIdleLifetime);
        Assert.Equal(600, applied.ConnectionLifetime);
        Assert.Equal(2, applied.CommandTimeout);
        Assert.Equal("billing", applied.ApplicationName);
        await store.PingAsync(Ct);
    }

    [Fact]
    public async Task Default_pool_settings_are_applied_when_the_options_are_left_alone()
    {
        await using var store = await OpenAsync(Database);

        var applied = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString);
        Assert.Equal((20, 2, 5, 60, 1800, 10), (applied.MaxPoolSize, applied.MinPoolSize, applied.Timeout, applied.ConnectionIdleLifetime, applied.ConnectionLifetime, applied.CommandTimeout));
        Assert.Equal("parley", applied.ApplicationName);
    }

    private static Task<PostgresMessageStore> OpenAsync(string connectionString) =>
        PostgresMessageStore.OpenAsync(new PostgresOptions { ConnectionString = connectionString }, null, Ct);

    private static async Task<NpgsqlConnection> OpenConnectionAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = await OpenConnectionAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<int>> VersionsAsync(string connectionString)
    {
        await using var connection = await OpenConnectionAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT version FROM parley_schema_version ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    /// <summary>Sessions of this database blocked on a lock, the checking session aside.</summary>
    private static async Task<long> WaitingOnLocksAsync(string connectionString)
    {
        await using var connection = await OpenConnectionAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
