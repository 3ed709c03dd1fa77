using BenchmarkDotNet.Attributes;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Micro;

/// <summary>
/// One group commit of the embedded store: a batch of 64 new messages spread over 8 rooms, each
/// message with a fresh id, committed to a SQLite file with <c>synchronous=FULL</c>; and the
/// fan-out-mix shape, 100 messages each to a room of its own. The time is mostly the disk's; the
/// allocated bytes per batch are the store's own.
/// </summary>
public class StoreBenchmarks
{
    private const int BatchSize = 64;
    private const int SpreadBatchSize = 100;
    private static readonly StreamId[] Rooms = [.. Enumerable.Range(0, 8).Select(i => StreamId.Room("acme", $"room-{i}"))];
    private static readonly StreamId[] SpreadRooms = [.. Enumerable.Range(0, SpreadBatchSize).Select(i => StreamId.Room("acme", $"spread-{i}"))];

    private string _directory = "";
    private SqliteMessageStore _store = null!;
    private AppendRequest[] _batch = [];
    private AppendRequest[] _spread = [];
    private long _round;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "parley-micro-" + Guid.NewGuid().ToString("N"));
        _store = SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None).GetAwaiter().GetResult();
        _batch = new AppendRequest[BatchSize];
        _spread = new AppendRequest[SpreadBatchSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Making the batch's 64 requests alone, to subtract from <see cref="SqliteAppendBatch"/>.</summary>
    [Benchmark(Baseline = true)]
    public AppendRequest[] Requests() => Fill();

    [Benchmark]
    public Task<IReadOnlyList<AppendResult>> SqliteAppendBatch() => _store.AppendBatchAsync(Fill(), CancellationToken.None);

    /// <summary>100 new messages, each to a room of its own, as fan-out-mix commits them (building the requests included, about 12 KB).</summary>
    [Benchmark]
    public Task<IReadOnlyList<AppendResult>> SqliteAppendSpreadBatch()
    {
        var round = ++_round;
        for (var i = 0; i < SpreadBatchSize; i++)
        {
            _spread[i] = new AppendRequest(SpreadRooms[i], "alice", $"s-{round}-{i}", Samples.Body, Samples.Timestamp);
        }

        return _store.AppendBatchAsync(_spread, CancellationToken.None);
    }

    private AppendRequest[] Fill()
    {
        var round = ++_round;
        for (var i = 0; i < BatchSize; i++)
        {
            _batch[i] = new AppendRequest(Rooms[i % Rooms.Length], "alice", $"m-{round}-{i}", Samples.Body, Samples.Timestamp);
        }

        return _batch;
    }
}
