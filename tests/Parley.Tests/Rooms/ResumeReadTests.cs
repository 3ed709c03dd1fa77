using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Tests.Rooms;

/// <summary>
/// What a resume costs the store when the room is already held on the node (it has members here,
/// or its topic lingers after the last one left): a member at what the node has delivered reads
/// nothing; one that missed messages reads the head (for the oldest retained sequence) and the
/// messages; one from beyond what the node has delivered reads the head. Every case still gets
/// each message once, in order.
/// </summary>
public sealed class ResumeReadTests : IAsyncLifetime
{
    private static readonly StreamId Room = StreamId.Room("acme", "resume");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-resume-" + Guid.NewGuid().ToString("N"));
    private readonly DeliveryMetrics _metrics = new();
    private SqliteMessageStore _sqlite = null!;
    private CountingStore _store = null!;
    private StreamDispatcher _dispatcher = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _sqlite = await SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None);
        _store = new CountingStore(_sqlite);
        var node = new NodeIdentity("n-resume", DateTimeOffset.UtcNow, NodeMode.Embedded);
        _dispatcher = new StreamDispatcher(new MemoryBroker(), _store, node, _metrics, NullLogger<StreamDispatcher>.Instance);

        // One member keeps the room held on the node while three messages are delivered to it.
        await _dispatcher.JoinAsync(new StreamSubscription(new RecordingMember("keeper"), Room), since: null, _ => { }, CancellationToken.None);
        await PublishAsync(3);
        _store.Reset();
    }

    public async Task DisposeAsync()
    {
        await _sqlite.DisposeAsync();
        _metrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_resume_at_what_the_node_has_delivered_reads_nothing_from_the_store()
    {
        var (outcome, member) = await ResumeAsync(since: 3);

        Assert.Equal(new JoinOutcome(3, Resumed: true), outcome);
        Assert.Equal((0, 0), (_store.HeadReads, _store.MessageReads));
        await PublishAsync(1);
        Assert.Equal([4L], member.Seqs);
    }

    [Fact]
    public async Task A_resume_at_the_delivered_mark_gets_a_message_committed_but_not_yet_delivered_when_it_arrives()
    {
        var committed = await CommitAsync();

        var (outcome, member) = await ResumeAsync(since: 3);
        Deliver(committed);

        Assert.Equal(new JoinOutcome(3, Resumed: true), outcome);
        Assert.Equal((0, 0), (_store.HeadReads, _store.MessageReads));
        Assert.Equal([4L], member.Seqs);
    }

    [Fact]
    public async Task A_resume_that_missed_messages_reads_the_head_and_the_messages_and_gets_each_once_in_order()
    {
        var (outcome, member) = await ResumeAsync(since: 1);

        Assert.Equal(new JoinOutcome(3, Resumed: true), outcome);
        Assert.Equal((1, 1), (_store.HeadReads, _store.MessageReads));
        await PublishAsync(1);
        Assert.Equal([2L, 3, 4], member.Seqs);
    }

    [Fact]
    public async Task A_resume_from_before_what_is_retained_is_reported_as_not_resumed_and_gets_what_is_left()
    {
        await _sqlite.TrimAsync(_ => new RetentionPolicy(MaxMessages: 2, MaxAge: null), DateTimeOffset.UtcNow, CancellationToken.None);

        var (outcome, member) = await ResumeAsync(since: 0);

        Assert.Equal(new JoinOutcome(3, Resumed: false), outcome);
        Assert.Equal([2L, 3], member.Seqs);
    }

    [Fact]
    public async Task A_resume_from_beyond_what_the_node_has_delivered_takes_the_stores_head()
    {
        var (outcome, member) = await ResumeAsync(since: 10);

        Assert.Equal(new JoinOutcome(3, Resumed: true), outcome);
        Assert.Equal((1, 0), (_store.HeadReads, _store.MessageReads));
        await PublishAsync(1);
        Assert.Equal([4L], member.Seqs);
    }

    private async Task<(JoinOutcome Outcome, RecordingMember Member)> ResumeAsync(long since)
    {
        var member = new RecordingMember("resumer");
        var outcome = await _dispatcher.JoinAsync(new StreamSubscription(member, Room), since, _ => { }, CancellationToken.None);
        return (outcome, member);
    }

    /// <summary>Commits <paramref name="count"/> messages and delivers each on this node, as the publisher would.</summary>
    private async Task PublishAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Deliver(await CommitAsync());
        }
    }

    private async Task<StoredMessage> CommitAsync()
    {
        var request = new AppendRequest(Room, "alice", Guid.NewGuid().ToString("N"), Encoding.UTF8.GetBytes("\"hi\""), DateTimeOffset.UtcNow);
        var result = (await _sqlite.AppendBatchAsync([request], CancellationToken.None))[0];
        return new StoredMessage(Room, result.Seq, request.MessageId, request.Sender, result.Timestamp, request.Body);
    }

    private void Deliver(StoredMessage message) => _dispatcher.DeliverLocal(Room, StoreGapFiller.ToEnvelope(message));

    /// <summary>A member that keeps the sequence of every message frame queued to it.</summary>
    private sealed class RecordingMember(string id) : IStreamMember
    {
        private readonly List<long> _seqs = [];

        public string Id { get; } = id;

        public long[] Seqs
        {
            get
            {
                lock (_seqs)
                {
                    return [.. _seqs];
                }
            }
        }

        public void Send(ReadOnlyMemory<byte> data, FrameClass frameClass)
        {
            using var frame = JsonDocument.Parse(data);
            if (frame.RootElement.GetProperty("op").GetString() == "msg")
            {
                lock (_seqs)
                {
                    _seqs.Add(frame.RootElement.GetProperty("seq").GetInt64());
                }
            }
        }

        public Task WaitForQueueRoomAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Touch()
        {
        }

        public void Close(CloseReason reason, bool flush)
        {
        }
    }

    /// <summary>The real store, counting the head reads and message reads made through it.</summary>
    private sealed class CountingStore(IMessageStore inner) : IMessageStore
    {
        private int _headReads;
        private int _messageReads;

        public int HeadReads => Volatile.Read(ref _headReads);

        public int MessageReads => Volatile.Read(ref _messageReads);

        public void Reset()
        {
            Volatile.Write(ref _headReads, 0);
            Volatile.Write(ref _messageReads, 0);
        }

        public Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken) => inner.AppendBatchAsync(batch, cancellationToken);

        public Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _messageReads);
            return inner.ReadAfterAsync(stream, afterSeq, limit, cancellationToken);
        }

        public Task<IReadOnlyList<StoredMessage>> ReadBeforeAsync(StreamId stream, long beforeSeq, int limit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _messageReads);
            return inner.ReadBeforeAsync(stream, beforeSeq, limit, cancellationToken);
        }

        public Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _headReads);
            return inner.GetHeadAsync(stream, cancellationToken);
        }

        public Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _headReads);
            return inner.GetHeadsAsync(streams, cancellationToken);
        }

        public Task<long> TrimAsync(Func<StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken) => inner.TrimAsync(policyFor, now, cancellationToken);

        public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
    }
}
