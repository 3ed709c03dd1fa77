using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Options;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Store;

public sealed class GroupCommitBatcherTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-batcher-" + Guid.NewGuid().ToString("N"));
    private readonly StoreMetrics _metrics = new();
    private SqliteMessageStore? _sqlite;
    private ScriptedStore? _store;

    private ScriptedStore Store => _store!;

    public async Task InitializeAsync()
    {
        _sqlite = await SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None);
        _store = new ScriptedStore(_sqlite);
    }

    public async Task DisposeAsync()
    {
        await _sqlite!.DisposeAsync();
        _metrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Many_concurrent_appends_are_committed_in_fewer_transactions_than_messages()
    {
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.FromMilliseconds(20), MaxBatchSize = 256 });
        var requests = Enumerable.Range(0, 200).Select(i => Request(Room($"room{i % 4}"), $"user{i}", $"m{i}")).ToArray();

        var results = await Eventually.WithinAsync(
            Task.WhenAll(requests.Select(r => Task.Run(() => batcher.AppendAsync(r, CancellationToken.None)))),
            "every append to be committed");

        Assert.InRange(Store.Commits, 1, requests.Length - 1);
        Assert.Equal(requests.Length, Store.BatchSizes.Sum());
        Assert.All(results, r => Assert.False(r.Duplicate));
    }

    [Fact]
    public async Task A_thousand_requests_queued_behind_a_commit_all_go_into_the_next_one_by_default()
    {
        var release = new TaskCompletionSource();
        Store.BeforeCommit = (number, _) => number == 1 ? release.Task : Task.CompletedTask;
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero });
        var first = batcher.AppendAsync(Request(Room("general"), "alice", "first"), CancellationToken.None);
        await Eventually.TrueAsync(() => Store.Commits == 1, "the first commit to reach the store");
        var queued = Enumerable.Range(0, 1000).Select(i => batcher.AppendAsync(Request(Room($"room{i % 100}"), "alice", $"m{i}"), CancellationToken.None)).ToArray();

        release.SetResult();
        await Eventually.WithinAsync(Task.WhenAll(queued.Append(first)), "every append to be committed");

        Assert.Equal([1, 1000], Store.BatchSizes);
    }

    [Fact]
    public async Task Every_caller_gets_the_result_of_its_own_message()
    {
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.FromMilliseconds(10), MaxBatchSize = 16 });
        var requests = Enumerable.Range(0, 60).Select(i => Request(Room($"room{i % 3}"), "alice", $"m{i}")).ToArray();

        var results = await Eventually.WithinAsync(
            Task.WhenAll(requests.Select(r => Task.Run(() => batcher.AppendAsync(r, CancellationToken.None)))),
            "every append to be committed");

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(requests[i].Stream, results[i].Stream);
            var stored = Assert.Single(await Store.ReadAfterAsync(results[i].Stream, results[i].Seq - 1, 1, CancellationToken.None));
            Assert.Equal(requests[i].MessageId, stored.MessageId);
        }

        foreach (var room in requests.Select(r => r.Stream).Distinct())
        {
            var seqs = results.Where(r => r.Stream == room).Select(r => r.Seq).Order();
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seqs);
        }

        Assert.All(Store.BatchSizes, size => Assert.InRange(size, 1, 16));
    }

    [Fact]
    public async Task A_repeat_queued_with_its_original_gets_the_original_sequence()
    {
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.FromSeconds(5), MaxBatchSize = 2 });
        var request = Request(Room("general"), "alice", "c-1");

        var results = await Eventually.WithinAsync(
            Task.WhenAll(batcher.AppendAsync(request, CancellationToken.None), batcher.AppendAsync(request, CancellationToken.None)),
            "both appends to be answered");

        Assert.Equal([1L, 1L], results.Select(r => r.Seq));
        Assert.Equal([false, true], results.Select(r => r.Duplicate));
    }

    [Fact]
    public async Task A_failed_commit_fails_every_caller_in_its_batch_and_the_next_batch_still_commits()
    {
        Store.BeforeCommit = (number, _) => number == 1 ? throw new IOException("disk on fire") : Task.CompletedTask;
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.FromSeconds(5), MaxBatchSize = 10 });

        var failed = Enumerable.Range(0, 10).Select(i => batcher.AppendAsync(Request(Room("general"), "alice", $"m{i}"), CancellationToken.None)).ToArray();
        foreach (var append in failed)
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(() => Eventually.WithinAsync(append, "the failed append to be answered"));
        }

        Assert.Equal([10], Store.BatchSizes);
        Assert.Equal(new StreamHead(0, 1), await Store.GetHeadAsync(Room("general"), CancellationToken.None));

        var retried = await Eventually.WithinAsync(
            Task.WhenAll(Enumerable.Range(0, 10).Select(i => batcher.AppendAsync(Request(Room("general"), "alice", $"m{i}"), CancellationToken.None))),
            "the retried appends to be committed");

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), retried.Select(r => r.Seq));
        Assert.All(retried, r => Assert.False(r.Duplicate));
    }

    [Fact]
    public async Task A_commit_that_overruns_the_commit_timeout_tells_its_callers_the_outcome_is_unknown_and_is_still_handed_on_when_it_finishes()
    {
        var release = new TaskCompletionSource();
        Store.BeforeCommit = (number, _) => number == 1 ? release.Task : Task.CompletedTask;
        Store.CommitsIgnoreCancellation = true;
        var observer = new RecordingObserver();
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, MaxBatchSize = 10, CommitTimeout = TimeSpan.FromMilliseconds(200) }, observer);

        var overrun = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => Eventually.WithinAsync(overrun, "the overrunning append to be answered"));
        Assert.Contains("may or may not have been stored", error.Message);
        release.SetResult();
        await Eventually.TrueAsync(() => observer.Committed.Count == 1, "the late commit to be handed on for delivery");
        Assert.Equal(("m1", 1L), observer.Committed[0]);
        var resend = await Eventually.WithinAsync(batcher.AppendAsync(Request(Room("general"), "alice", "m1"), CancellationToken.None), "the resend");
        Assert.True(resend.Duplicate);
        Assert.Equal(1, resend.Seq);
    }

    [Fact]
    public async Task A_commit_that_overran_its_timeout_finishes_before_the_next_commit_starts_so_later_messages_get_higher_sequences()
    {
        var release = new TaskCompletionSource();
        var secondReachedStore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.BeforeCommit = (number, _) =>
        {
            if (number == 2)
            {
                secondReachedStore.TrySetResult();
            }

            return number == 1 ? release.Task : Task.CompletedTask;
        };
        Store.CommitsIgnoreCancellation = true;
        // The timeout bounds every commit, the second's too: two seconds lets the first overrun
        // (it waits for the release) while leaving the second ample time on a loaded machine.
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, MaxBatchSize = 10, CommitTimeout = TimeSpan.FromSeconds(2) });

        var first = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), CancellationToken.None);
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => Eventually.WithinAsync(first, "the first append to overrun"));
        var second = batcher.AppendAsync(Request(Room("general"), "alice", "m2"), CancellationToken.None);

        // A batcher that overlaps commits hands the second batch to the store at once; one that
        // keeps order never does while the first is unfinished, so this wait is bounded, not awaited.
        await Task.WhenAny(secondReachedStore.Task, Task.Delay(TimeSpan.FromMilliseconds(250)));
        release.SetResult();

        var result = await Eventually.WithinAsync(second, "the second append to commit");
        Assert.Equal(2, result.Seq);
        var stored = await Store.ReadAfterAsync(Room("general"), 0, 10, CancellationToken.None);
        Assert.Equal(["m1", "m2"], stored.Select(m => m.MessageId));
    }

    [Fact]
    public async Task Requests_queued_behind_a_commit_that_never_finishes_are_refused_as_not_stored()
    {
        Store.BeforeCommit = (number, _) => number == 1 ? new TaskCompletionSource().Task : Task.CompletedTask;
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, MaxBatchSize = 10, CommitTimeout = TimeSpan.FromMilliseconds(200) });

        var hung = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), CancellationToken.None);
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => Eventually.WithinAsync(hung, "the hung append to be answered"));
        var queued = batcher.AppendAsync(Request(Room("general"), "alice", "m2"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Eventually.WithinAsync(queued, "the queued append to be refused"));
        Assert.Contains("nothing was stored", error.Message);
        Assert.Equal(1, Store.Commits);
    }

    [Fact]
    public async Task A_committed_batch_is_handed_on_for_delivery_even_when_its_caller_stopped_waiting()
    {
        var release = new TaskCompletionSource();
        Store.BeforeCommit = (_, _) => release.Task;
        var observer = new RecordingObserver();
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, CommitTimeout = TimeSpan.FromMinutes(5) }, observer);
        using var cancel = new CancellationTokenSource();

        var append = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), cancel.Token);
        await Eventually.TrueAsync(() => Store.Commits == 1, "the commit to reach the store");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.WithinAsync(append, "the cancelled append to return"));
        release.SetResult();

        await Eventually.TrueAsync(() => observer.Committed.Count == 1, "the commit to be handed on for delivery");
        Assert.Equal(("m1", 1L), observer.Committed[0]);
    }

    [Fact]
    public async Task Disposing_fails_the_commit_in_flight_and_the_queued_callers_without_hanging()
    {
        Store.BeforeCommit = (_, _) => new TaskCompletionSource().Task;
        var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, MaxBatchSize = 1, CommitTimeout = TimeSpan.FromMinutes(5) });
        var inFlight = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), CancellationToken.None);
        await Eventually.TrueAsync(() => Store.Commits == 1, "the first commit to reach the store");
        var queued = batcher.AppendAsync(Request(Room("general"), "alice", "m2"), CancellationToken.None);

        await Eventually.WithinAsync(batcher.DisposeAsync().AsTask().ContinueWith(_ => true), "the batcher to dispose");

        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => Eventually.WithinAsync(inFlight, "the in-flight append to be answered"));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Eventually.WithinAsync(queued, "the queued append to be answered"));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => batcher.AppendAsync(Request(Room("general"), "alice", "m3"), CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_cancels_stops_waiting_while_the_commit_hangs()
    {
        var release = new TaskCompletionSource();
        Store.BeforeCommit = (_, _) => release.Task;
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.Zero, CommitTimeout = TimeSpan.FromMinutes(5) });
        using var cancel = new CancellationTokenSource();

        var append = batcher.AppendAsync(Request(Room("general"), "alice", "m1"), cancel.Token);
        await Eventually.TrueAsync(() => Store.Commits == 1, "the commit to reach the store");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.WithinAsync(append, "the cancelled append to return"));
        release.SetResult();
    }

    [Fact]
    public async Task Commits_record_their_size_and_duration_and_failures_are_counted()
    {
        var measurements = new List<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.Start();
        Store.BeforeCommit = (number, _) => number == 2 ? throw new IOException("disk on fire") : Task.CompletedTask;
        await using var batcher = Batcher(new StoreOptions { BatchWindow = TimeSpan.FromSeconds(5), MaxBatchSize = 3 });

        await Eventually.WithinAsync(
            Task.WhenAll(Enumerable.Range(0, 3).Select(i => batcher.AppendAsync(Request(Room("general"), "alice", $"m{i}"), CancellationToken.None))),
            "the first batch to commit");
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Eventually.WithinAsync(
            Task.WhenAll(Enumerable.Range(3, 3).Select(i => batcher.AppendAsync(Request(Room("general"), "alice", $"m{i}"), CancellationToken.None))),
            "the second batch to fail"));

        lock (measurements)
        {
            Assert.Equal([3.0], measurements.Where(m => m.Instrument == "parley.store.batch.size").Select(m => m.Value));
            Assert.Single(measurements, m => m.Instrument == "parley.store.commit.duration" && m.Value >= 0);
            Assert.Equal([1.0], measurements.Where(m => m.Instrument == "parley.store.commit.failures").Select(m => m.Value));
        }

        void Record(string instrument, double value)
        {
            lock (measurements)
            {
                measurements.Add((instrument, value));
            }
        }
    }

    private GroupCommitBatcher Batcher(StoreOptions options, ICommitObserver? observer = null) => new(Store, options, _metrics, NullLogger<GroupCommitBatcher>.Instance, observer);

    private static StreamId Room(string name) => StreamId.Room("acme", name);

    private static AppendRequest Request(StreamId stream, string sender, string messageId) =>
        new(stream, sender, messageId, Encoding.UTF8.GetBytes("{\"text\":\"hi\"}"), DateTimeOffset.UtcNow);

    /// <summary>Records every committed message as (id, seq), in the order the batcher hands them on.</summary>
    private sealed class RecordingObserver : ICommitObserver
    {
        private readonly List<(string Id, long Seq)> _committed = [];

        public IReadOnlyList<(string Id, long Seq)> Committed
        {
            get
            {
                lock (_committed)
                {
                    return [.. _committed];
                }
            }
        }

        public void OnCommitted(IReadOnlyList<AppendRequest> requests, IReadOnlyList<AppendResult> results)
        {
            lock (_committed)
            {
                for (var i = 0; i < requests.Count; i++)
                {
                    _committed.Add((requests[i].MessageId, results[i].Seq));
                }
            }
        }
    }
}
