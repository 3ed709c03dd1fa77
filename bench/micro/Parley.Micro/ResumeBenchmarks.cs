using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;

namespace Parley.Micro;

/// <summary>
/// One member resuming a room that is held on this node (another member keeps it), then leaving:
/// the join path of a reconnect storm, with the embedded SQLite store behind it. <c>Missed</c> is
/// how many messages the member asks to be replayed: 0 is a client that saw everything the node
/// delivered, 1 a client that missed the last message. What the store is asked for shows in the
/// allocated bytes per resume.
/// </summary>
public class ResumeBenchmarks
{
    private const int Messages = 10;

    private string _directory = "";
    private SqliteMessageStore _store = null!;
    private DeliveryMetrics _metrics = null!;
    private StreamDispatcher _dispatcher = null!;
    private readonly NullMember _member = new();

    [Params(0, 1)]
    public int Missed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "parley-micro-" + Guid.NewGuid().ToString("N"));
        _store = SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None).GetAwaiter().GetResult();
        _metrics = new DeliveryMetrics();
        _dispatcher = new StreamDispatcher(new MemoryBroker(), _store, new NodeIdentity("n-micro", DateTimeOffset.UtcNow, NodeMode.Embedded), _metrics, NullLogger<StreamDispatcher>.Instance);
        _dispatcher.JoinAsync(new StreamSubscription(new NullMember(), Samples.Room), since: null, _ => { }, CancellationToken.None).GetAwaiter().GetResult();
        for (var i = 0; i < Messages; i++)
        {
            var request = new AppendRequest(Samples.Room, "alice", $"m-{i}", Samples.Body, Samples.Timestamp);
            var result = _store.AppendBatchAsync([request], CancellationToken.None).GetAwaiter().GetResult()[0];
            _dispatcher.DeliverLocal(Samples.Room, StoreGapFiller.ToEnvelope(new StoredMessage(Samples.Room, result.Seq, request.MessageId, request.Sender, result.Timestamp, request.Body)));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _metrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public async Task<long> ResumeAndLeave()
    {
        var subscription = new StreamSubscription(_member, Samples.Room);
        var outcome = await _dispatcher.JoinAsync(subscription, Messages - Missed, _ => { }, CancellationToken.None);
        await _dispatcher.LeaveAsync(subscription);
        return outcome.Head;
    }

    /// <summary>A member that discards what it is sent.</summary>
    private sealed class NullMember : IStreamMember
    {
        public string Id => "c-micro";

        public void Send(ReadOnlyMemory<byte> data, FrameClass frameClass)
        {
        }

        public Task WaitForQueueRoomAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Touch()
        {
        }

        public void Close(CloseReason reason, bool flush)
        {
        }
    }
}
