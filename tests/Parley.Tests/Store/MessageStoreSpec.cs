using System.Text;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Tests.Store;

/// <summary>
/// The behaviour every <see cref="IMessageStore"/> must show. Each implementation derives from
/// this class, hands out a fresh, empty store per test, and must pass every test unchanged.
/// </summary>
public abstract class MessageStoreSpec : IAsyncLifetime
{
    private IMessageStore? _store;

    protected IMessageStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>A new store with nothing in it.</summary>
    protected abstract Task<IMessageStore> CreateStoreAsync();

    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task Heads_of_many_streams_come_back_together_with_zero_for_unwritten_ones()
    {
        var streams = Enumerable.Range(0, 1200).Select(i => StreamId.Room("acme", $"room-{i}")).ToList();
        var written = streams.Where((_, i) => i % 3 == 0).ToList();
        foreach (var chunk in written.Chunk(100))
        {
            await Store.AppendBatchAsync([.. chunk.Select((s, i) => new AppendRequest(s, "alice", $"h-{s.Name}", "1"u8.ToArray(), DateTimeOffset.UtcNow))], Ct);
        }

        var other = StreamId.Room("globex", "room-0");
        var heads = await Store.GetHeadsAsync([.. streams, other], Ct);
        Assert.Equal(streams.Count + 1, heads.Count);
        Assert.All(streams, s => Assert.Equal(written.Contains(s) ? 1 : 0, heads[s]));
        Assert.Equal(0, heads[other]);
    }

    [Fact]
    public async Task Sequences_start_at_one_and_are_contiguous_per_stream()
    {
        var general = Room("acme", "general");
        var random = Room("acme", "random");

        var results = new List<AppendResult>();
        for (var i = 0; i < 5; i++)
        {
            results.AddRange(await Store.AppendBatchAsync([Request(general, "alice", $"g{i}"), Request(random, "alice", $"r{i}")], Ct));
        }

        Assert.Equal([1, 2, 3, 4, 5], results.Where(r => r.Stream == general).Select(r => r.Seq));
        Assert.Equal([1, 2, 3, 4, 5], results.Where(r => r.Stream == random).Select(r => r.Seq));
        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal(new StreamHead(5, 1), await Store.GetHeadAsync(general, Ct));
    }

    [Fact]
    public async Task Concurrent_batches_never_leave_a_gap_or_repeat_a_sequence()
    {
        string[] rooms = ["a", "b", "c"];
        const int Writers = 12;
        const int BatchesPerWriter = 10;
        const int BatchSize = 4;

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var results = new List<AppendResult>();
            for (var b = 0; b < BatchesPerWriter; b++)
            {
                var batch = Enumerable.Range(0, BatchSize)
                    .Select(i => Request(Room("acme", rooms[(w + b + i) % rooms.Length]), $"user{w}", $"m{b}-{i}"))
                    .ToArray();
                results.AddRange(await Store.AppendBatchAsync(batch, Ct));
            }

            return results;
        }));
        var all = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        Assert.Equal(Writers * BatchesPerWriter * BatchSize, all.Count);
        foreach (var room in rooms)
        {
            var stream = Room("acme", room);
            var seqs = all.Where(r => r.Stream == stream).Select(r => r.Seq).Order().ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);

            var stored = await Store.ReadAfterAsync(stream, 0, 10_000, Ct);
            Assert.Equal(seqs, stored.Select(m => m.Seq));
            Assert.Equal(new StreamHead(seqs.Count, 1), await Store.GetHeadAsync(stream, Ct));
        }
    }

    [Fact]
    public async Task Batch_results_come_back_in_request_order()
    {
        var one = Room("acme", "one");
        var two = Room("acme", "two");

        var results = await Store.AppendBatchAsync(
            [Request(one, "alice", "a"), Request(two, "alice", "b"), Request(one, "bob", "c"), Request(two, "bob", "d"), Request(one, "carol", "e")],
            Ct);

        Assert.Equal([one, two, one, two, one], results.Select(r => r.Stream));
        Assert.Equal([1, 1, 2, 2, 3], results.Select(r => r.Seq));
        var stored = await Store.ReadAfterAsync(one, 0, 10, Ct);
        Assert.Equal(["a", "c", "e"], stored.Select(m => m.MessageId));
    }

    [Fact]
    public async Task An_empty_batch_commits_nothing_and_returns_no_results()
    {
        var results = await Store.AppendBatchAsync([], Ct);

        Assert.Empty(results);
    }

    [Fact]
    public async Task A_repeated_message_id_returns_the_original_commit_and_writes_nothing()
    {
        var general = Room("acme", "general");
        var sentAt = Now().AddMinutes(-1);
        var original = (await Store.AppendBatchAsync([Request(general, "alice", "c-1", "{\"text\":\"first\"}", sentAt)], Ct))[0];
        await Store.AppendBatchAsync([Request(general, "bob", "c-2")], Ct);

        var repeat = (await Store.AppendBatchAsync([Request(general, "alice", "c-1", "{\"text\":\"first\"}", Now())], Ct))[0];

        Assert.True(repeat.Duplicate);
        Assert.False(repeat.Conflict);
        Assert.Equal(original.Stream, repeat.Stream);
        Assert.Equal(1, repeat.Seq);
        Assert.Equal(sentAt, repeat.Timestamp);
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(general, Ct));
        var stored = await Store.ReadAfterAsync(general, 0, 10, Ct);
        Assert.Equal(2, stored.Count);
        Assert.Equal("{\"text\":\"first\"}", Text(stored[0].Body));
    }

    [Fact]
    public async Task A_repeat_in_a_batch_takes_no_sequence_from_the_new_messages_beside_it()
    {
        var bob = User("acme", "bob");
        var alice = User("acme", "alice");
        await Store.AppendBatchAsync([Request(bob, "alice", "dm-1") with { Copies = [alice] }], Ct);

        var results = await Store.AppendBatchAsync(
        [
            Request(bob, "alice", "dm-1") with { Copies = [alice] },
            Request(bob, "alice", "dm-2") with { Copies = [alice] },
        ], Ct);

        Assert.True(results[0].Duplicate);
        Assert.Equal(2, results[1].Seq);
        Assert.Equal([2L], results[1].CopySeqs);
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(bob, Ct));
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(alice, Ct));
    }

    [Fact]
    public async Task An_id_reused_for_another_stream_is_a_conflict_naming_the_original_and_writes_nothing()
    {
        var general = Room("acme", "general");
        var random = Room("acme", "random");
        await Store.AppendBatchAsync([Request(general, "alice", "c-1")], Ct);

        var reused = (await Store.AppendBatchAsync([Request(random, "alice", "c-1")], Ct))[0];

        Assert.True(reused.Conflict);
        Assert.Equal(general, reused.Stream);
        Assert.Equal(1, reused.Seq);
        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(random, Ct));
    }

    [Fact]
    public async Task An_id_reused_for_another_body_is_a_conflict_and_writes_nothing()
    {
        var general = Room("acme", "general");
        await Store.AppendBatchAsync([Request(general, "alice", "c-1", "{\"text\":\"first\"}")], Ct);

        var reused = (await Store.AppendBatchAsync([Request(general, "alice", "c-1", "{\"text\":\"second\"}")], Ct))[0];

        Assert.True(reused.Conflict);
        Assert.Equal(1, reused.Seq);
        var stored = Assert.Single(await Store.ReadAfterAsync(general, 0, 10, Ct));
        Assert.Equal("{\"text\":\"first\"}", Text(stored.Body));
    }

    [Fact]
    public async Task A_direct_message_id_reused_for_another_recipient_is_a_conflict_and_writes_nothing()
    {
        var bob = User("acme", "bob");
        var carol = User("acme", "carol");
        var alice = User("acme", "alice");
        await Store.AppendBatchAsync([Request(bob, "alice", "dm-1") with { Copies = [alice] }], Ct);

        var reused = (await Store.AppendBatchAsync([Request(carol, "alice", "dm-1") with { Copies = [alice] }], Ct))[0];

        Assert.True(reused.Conflict);
        Assert.Equal(bob, reused.Stream);
        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(carol, Ct));
        Assert.Equal(new StreamHead(1, 1), await Store.GetHeadAsync(alice, Ct));
    }

    [Fact]
    public async Task A_message_id_repeated_within_one_batch_resolves_to_the_first()
    {
        var general = Room("acme", "general");
        var sentAt = Now();

        var results = await Store.AppendBatchAsync(
            [Request(general, "alice", "c-1", "1", sentAt), Request(general, "bob", "c-9"), Request(general, "alice", "c-1", "1", sentAt.AddSeconds(1)), Request(general, "alice", "c-1", "2")],
            Ct);

        Assert.False(results[0].Duplicate);
        Assert.Equal(1, results[0].Seq);
        Assert.Equal(2, results[1].Seq);
        Assert.True(results[2].Duplicate);
        Assert.False(results[2].Conflict);
        Assert.Equal(general, results[2].Stream);
        Assert.Equal(1, results[2].Seq);
        Assert.Equal(sentAt, results[2].Timestamp);
        Assert.True(results[3].Conflict);
        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(general, Ct));
        var stored = await Store.ReadAfterAsync(general, 0, 10, Ct);
        Assert.Equal("1", Text(stored[0].Body));
    }

    [Fact]
    public async Task The_same_message_id_from_different_senders_is_two_messages()
    {
        var general = Room("acme", "general");

        var results = await Store.AppendBatchAsync([Request(general, "alice", "c-1")], Ct);
        results = [.. results, .. await Store.AppendBatchAsync([Request(general, "bob", "c-1")], Ct)];

        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal([1, 2], results.Select(r => r.Seq));
        var stored = await Store.ReadAfterAsync(general, 0, 10, Ct);
        Assert.Equal(["alice", "bob"], stored.Select(m => m.Sender));
    }

    [Fact]
    public async Task The_same_message_id_from_the_same_user_name_in_different_tenants_is_two_messages()
    {
        var acme = Room("acme", "general");
        var globex = Room("globex", "general");

        var first = (await Store.AppendBatchAsync([Request(acme, "alice", "c-1")], Ct))[0];
        var second = (await Store.AppendBatchAsync([Request(globex, "alice", "c-1")], Ct))[0];

        Assert.False(first.Duplicate);
        Assert.False(second.Duplicate);
        Assert.Equal(globex, second.Stream);
        Assert.Equal(1, second.Seq);
        Assert.Single(await Store.ReadAfterAsync(globex, 0, 10, Ct));
    }

    [Fact]
    public async Task Two_tenants_with_the_same_room_name_have_separate_streams()
    {
        var acme = Room("acme", "general");
        var globex = Room("globex", "general");

        await Store.AppendBatchAsync([Request(acme, "alice", "a1", "\"acme 1\""), Request(acme, "alice", "a2", "\"acme 2\"")], Ct);
        await Store.AppendBatchAsync([Request(globex, "bob", "g1", "\"globex 1\"")], Ct);

        Assert.Equal(new StreamHead(2, 1), await Store.GetHeadAsync(acme, Ct));
        Assert.Equal(new StreamHead(1, 1), await Store.GetHeadAsync(globex, Ct));
        var acmeMessages = await Store.ReadAfterAsync(acme, 0, 10, Ct);
        var globexMessages = await Store.ReadAfterAsync(globex, 0, 10, Ct);
        Assert.Equal(["\"acme 1\"", "\"acme 2\""], acmeMessages.Select(m => Text(m.Body)));
        Assert.Equal(["\"globex 1\""], globexMessages.Select(m => Text(m.Body)));
        Assert.All(acmeMessages, m => Assert.Equal(acme, m.Stream));
        Assert.All(globexMessages, m => Assert.Equal(globex, m.Stream));
    }

    [Fact]
    public async Task A_room_and_a_user_inbox_with_the_same_name_are_separate_streams()
    {
        await Store.AppendBatchAsync([Request(Room("acme", "alice"), "bob", "m1")], Ct);

        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(User("acme", "alice"), Ct));
        Assert.Empty(await Store.ReadAfterAsync(User("acme", "alice"), 0, 10, Ct));
    }

    [Fact]
    public async Task A_direct_message_copy_gets_its_own_sequence_in_each_inbox()
    {
        var bob = User("acme", "bob");
        var alice = User("acme", "alice");
        await Store.AppendBatchAsync([Request(alice, "carol", "earlier-1"), Request(alice, "carol", "earlier-2")], Ct);

        var sent = (await Store.AppendBatchAsync([Request(bob, "alice", "dm-1", "{\"text\":\"hi bob\"}") with { Copies = [alice] }], Ct))[0];

        Assert.False(sent.Duplicate);
        Assert.Equal(bob, sent.Stream);
        Assert.Equal(1, sent.Seq);
        Assert.Equal([3L], sent.CopySeqs);
        var inBob = Assert.Single(await Store.ReadAfterAsync(bob, 0, 10, Ct));
        var inAlice = (await Store.ReadAfterAsync(alice, 2, 10, Ct)).Single();
        Assert.Equal(("dm-1", "alice", 1L), (inBob.MessageId, inBob.Sender, inBob.Seq));
        Assert.Equal(("dm-1", "alice", 3L), (inAlice.MessageId, inAlice.Sender, inAlice.Seq));
        Assert.Equal("{\"text\":\"hi bob\"}", Text(inAlice.Body));
        Assert.Equal(inBob.Timestamp, inAlice.Timestamp);
    }

    [Fact]
    public async Task A_repeated_direct_message_returns_the_original_and_writes_no_copy()
    {
        var bob = User("acme", "bob");
        var alice = User("acme", "alice");
        var first = (await Store.AppendBatchAsync([Request(bob, "alice", "dm-1") with { Copies = [alice] }], Ct))[0];

        var repeat = (await Store.AppendBatchAsync([Request(bob, "alice", "dm-1") with { Copies = [alice] }], Ct))[0];

        Assert.True(repeat.Duplicate);
        Assert.Equal((first.Stream, first.Seq, first.Timestamp), (repeat.Stream, repeat.Seq, repeat.Timestamp));
        Assert.Equal(first.CopySeqs, repeat.CopySeqs);
        Assert.Equal(new StreamHead(1, 1), await Store.GetHeadAsync(bob, Ct));
        Assert.Equal(new StreamHead(1, 1), await Store.GetHeadAsync(alice, Ct));
    }

    [Fact]
    public async Task Copies_in_one_batch_take_contiguous_sequences_with_the_other_requests()
    {
        var bob = User("acme", "bob");
        var alice = User("acme", "alice");

        var results = await Store.AppendBatchAsync(
            [
                Request(bob, "alice", "dm-1") with { Copies = [alice] },
                Request(alice, "bob", "dm-2") with { Copies = [bob] },
                Request(bob, "alice", "dm-3") with { Copies = [alice] },
            ],
            Ct);

        Assert.Equal([(1L, 1L), (2L, 2L), (3L, 3L)], results.Select(r => (r.Seq, r.CopySeqs.Single())));
        Assert.Equal(["dm-1", "dm-2", "dm-3"], (await Store.ReadAfterAsync(alice, 0, 10, Ct)).Select(m => m.MessageId));
        Assert.Equal(["dm-1", "dm-2", "dm-3"], (await Store.ReadAfterAsync(bob, 0, 10, Ct)).Select(m => m.MessageId));
    }

    [Fact]
    public async Task Read_after_returns_the_oldest_messages_past_the_given_sequence_up_to_the_limit()
    {
        var general = await FillAsync(Room("acme", "general"), 10);

        Assert.Equal([4L, 5, 6, 7], (await Store.ReadAfterAsync(general, 3, 4, Ct)).Select(m => m.Seq));
        Assert.Equal([9L, 10], (await Store.ReadAfterAsync(general, 8, 50, Ct)).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await Store.ReadAfterAsync(general, 0, 100, Ct)).Select(m => m.Seq));
        Assert.Empty(await Store.ReadAfterAsync(general, 10, 10, Ct));
        Assert.Empty(await Store.ReadAfterAsync(general, 3, 0, Ct));
    }

    [Fact]
    public async Task Read_before_returns_the_newest_messages_below_the_given_sequence_oldest_first()
    {
        var general = await FillAsync(Room("acme", "general"), 10);

        Assert.Equal([5L, 6, 7], (await Store.ReadBeforeAsync(general, 8, 3, Ct)).Select(m => m.Seq));
        Assert.Equal([9L, 10], (await Store.ReadBeforeAsync(general, long.MaxValue, 2, Ct)).Select(m => m.Seq));
        Assert.Equal([1L, 2], (await Store.ReadBeforeAsync(general, 3, 50, Ct)).Select(m => m.Seq));
        Assert.Empty(await Store.ReadBeforeAsync(general, 1, 10, Ct));
        Assert.Empty(await Store.ReadBeforeAsync(general, 8, 0, Ct));
    }

    [Fact]
    public async Task Reads_return_every_field_as_committed()
    {
        var general = Room("acme", "general");
        var sentAt = Now();
        await Store.AppendBatchAsync([Request(general, "alice", "c-42", "{\"text\":\"hi\"}", sentAt)], Ct);

        var message = Assert.Single(await Store.ReadAfterAsync(general, 0, 10, Ct));

        Assert.Equal(general, message.Stream);
        Assert.Equal(1, message.Seq);
        Assert.Equal("c-42", message.MessageId);
        Assert.Equal("alice", message.Sender);
        Assert.Equal(sentAt, message.Timestamp);
        Assert.Equal("{\"text\":\"hi\"}", Text(message.Body));
    }

    [Fact]
    public async Task Reading_an_unknown_stream_returns_nothing_and_its_head_is_zero()
    {
        var nowhere = Room("acme", "nowhere");

        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(nowhere, Ct));
        Assert.Empty(await Store.ReadAfterAsync(nowhere, 0, 10, Ct));
        Assert.Empty(await Store.ReadBeforeAsync(nowhere, long.MaxValue, 10, Ct));
    }

    [Theory]
    [InlineData("{\"text\":\"hi\"}")]
    [InlineData("\"h\u00e9llo w\u00f6rld \u4e16\u754c \ud83d\udc4b\"")]
    [InlineData("\"escapes \\u0000 \\\" \\\\ \\n \\ud83d\\ude00\"")]
    [InlineData("[1, 2.5e-3, -0, true, false, null]")]
    [InlineData("{ \"spaced\" :  { \"deep\" : [ {}, [] ] } ,\n\t\"z\":1 }")]
    [InlineData("12345678901234567890123456789")]
    [InlineData("null")]
    [InlineData("\"\"")]
    public async Task Bodies_round_trip_byte_for_byte(string json)
    {
        var general = Room("acme", "general");
        var bytes = Encoding.UTF8.GetBytes(json);
        await Store.AppendBatchAsync([new AppendRequest(general, "alice", "c-1", bytes, Now())], Ct);

        var message = Assert.Single(await Store.ReadAfterAsync(general, 0, 1, Ct));

        Assert.Equal(bytes, message.Body.ToArray());
    }

    [Fact]
    public async Task Trimming_by_count_keeps_the_newest_messages_and_the_head()
    {
        var general = await FillAsync(Room("acme", "general"), 10);

        var deleted = await Store.TrimAsync(_ => new RetentionPolicy(3, null), DateTimeOffset.UtcNow, Ct);

        Assert.Equal(7, deleted);
        Assert.Equal(new StreamHead(10, 8), await Store.GetHeadAsync(general, Ct));
        Assert.Equal([8L, 9, 10], (await Store.ReadAfterAsync(general, 0, 100, Ct)).Select(m => m.Seq));
        Assert.Equal([8L, 9], (await Store.ReadBeforeAsync(general, 10, 100, Ct)).Select(m => m.Seq));
    }

    [Fact]
    public async Task Trimming_by_age_deletes_only_the_expired_prefix()
    {
        var general = Room("acme", "general");
        var now = Now();
        await Store.AppendBatchAsync(
            [
                Request(general, "alice", "m1", "1", now.AddHours(-5)),
                Request(general, "alice", "m2", "2", now.AddHours(-3)),
                Request(general, "alice", "m3", "3", now.AddMinutes(-10)),
                Request(general, "alice", "m4", "4", now.AddHours(-4)),
                Request(general, "alice", "m5", "5", now),
            ],
            Ct);

        var deleted = await Store.TrimAsync(_ => new RetentionPolicy(null, TimeSpan.FromHours(1)), DateTimeOffset.UtcNow, Ct);

        // m4 is old but follows an unexpired message: what remains stays one contiguous range.
        Assert.Equal(2, deleted);
        Assert.Equal(new StreamHead(5, 3), await Store.GetHeadAsync(general, Ct));
        Assert.Equal(["m3", "m4", "m5"], (await Store.ReadAfterAsync(general, 0, 100, Ct)).Select(m => m.MessageId));
    }

    [Fact]
    public async Task Trimming_never_deletes_an_unexpired_message_under_the_count()
    {
        var general = await FillAsync(Room("acme", "general"), 5);

        var deleted = await Store.TrimAsync(_ => new RetentionPolicy(10, TimeSpan.FromHours(1)), DateTimeOffset.UtcNow, Ct);

        Assert.Equal(0, deleted);
        Assert.Equal(new StreamHead(5, 1), await Store.GetHeadAsync(general, Ct));
        Assert.Equal(5, (await Store.ReadAfterAsync(general, 0, 100, Ct)).Count);
    }

    [Fact]
    public async Task Trimming_applies_whichever_limit_deletes_more()
    {
        var general = Room("acme", "general");
        var now = Now();
        await Store.AppendBatchAsync([.. Enumerable.Range(1, 6).Select(i => Request(general, "alice", $"m{i}", "1", i <= 2 ? now.AddDays(-2) : now))], Ct);

        Assert.Equal(2, await Store.TrimAsync(_ => new RetentionPolicy(5, TimeSpan.FromDays(1)), DateTimeOffset.UtcNow, Ct));
        Assert.Equal(new StreamHead(6, 3), await Store.GetHeadAsync(general, Ct));

        Assert.Equal(2, await Store.TrimAsync(_ => new RetentionPolicy(2, TimeSpan.FromDays(1)), DateTimeOffset.UtcNow, Ct));
        Assert.Equal(new StreamHead(6, 5), await Store.GetHeadAsync(general, Ct));
    }

    [Fact]
    public async Task A_fully_trimmed_stream_keeps_its_head_and_continues_after_it()
    {
        var general = Room("acme", "general");
        await Store.AppendBatchAsync([.. Enumerable.Range(1, 4).Select(i => Request(general, "alice", $"m{i}", "1", Now().AddDays(-1)))], Ct);

        Assert.Equal(4, await Store.TrimAsync(_ => new RetentionPolicy(null, TimeSpan.FromHours(1)), DateTimeOffset.UtcNow, Ct));
        Assert.Equal(new StreamHead(4, 5), await Store.GetHeadAsync(general, Ct));
        Assert.Empty(await Store.ReadAfterAsync(general, 0, 10, Ct));

        var next = (await Store.AppendBatchAsync([Request(general, "alice", "m5")], Ct))[0];

        Assert.Equal(5, next.Seq);
        Assert.Equal(new StreamHead(5, 5), await Store.GetHeadAsync(general, Ct));
    }

    [Fact]
    public async Task Trimming_asks_for_each_tenants_policy_and_leaves_unlimited_tenants_alone()
    {
        var acme = await FillAsync(Room("acme", "general"), 5);
        var acmeInbox = await FillAsync(User("acme", "alice"), 4);
        var globex = await FillAsync(Room("globex", "general"), 5);
        var asked = new List<string>();

        var deleted = await Store.TrimAsync(
            stream =>
            {
                lock (asked)
                {
                    asked.Add(stream.Tenant);
                }

                return stream.Tenant == "acme" ? new RetentionPolicy(2, null) : new RetentionPolicy(null, null);
            },
            DateTimeOffset.UtcNow,
            Ct);

        Assert.Equal(3 + 2, deleted);
        Assert.Equal(new StreamHead(5, 4), await Store.GetHeadAsync(acme, Ct));
        Assert.Equal(new StreamHead(4, 3), await Store.GetHeadAsync(acmeInbox, Ct));
        Assert.Equal(new StreamHead(5, 1), await Store.GetHeadAsync(globex, Ct));
        Assert.Contains("acme", asked);
        Assert.Contains("globex", asked);
    }

    [Fact]
    public async Task Trimming_an_empty_store_deletes_nothing()
    {
        Assert.Equal(0, await Store.TrimAsync(_ => new RetentionPolicy(1, TimeSpan.FromSeconds(1)), DateTimeOffset.UtcNow, Ct));
    }

    [Fact]
    public async Task Ping_succeeds_on_a_reachable_store()
    {
        await Store.PingAsync(Ct);
    }

    protected static StreamId Room(string tenant, string room) => StreamId.Room(tenant, room);

    protected static StreamId User(string tenant, string user) => StreamId.User(tenant, user);

    /// <summary>Now, to the millisecond: every store keeps at least that precision.</summary>
    protected static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    protected static AppendRequest Request(StreamId stream, string sender, string messageId, string json = "{\"text\":\"hi\"}", DateTimeOffset? timestamp = null) =>
        new(stream, sender, messageId, Encoding.UTF8.GetBytes(json), timestamp ?? Now());

    protected static string Text(ReadOnlyMemory<byte> body) => Encoding.UTF8.GetString(body.Span);

    /// <summary>Appends <paramref name="count"/> messages one batch at a time.</summary>
    protected async Task<StreamId> FillAsync(StreamId stream, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Store.AppendBatchAsync([Request(stream, "filler", $"{stream.Name}-{i}", $"{i}")], Ct);
        }

        return stream;
    }
}
