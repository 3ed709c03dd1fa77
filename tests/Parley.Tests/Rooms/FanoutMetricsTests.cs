using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Tenancy;

namespace Parley.Tests.Rooms;

/// <summary>
/// What a fan-out reports to the delivery counter: every frame queued is counted, and a
/// message to a room of many members is one measurement, not one per member, so the counter's
/// listeners (the exporter, the node's totals) cost a call per message.
/// </summary>
public sealed class FanoutMetricsTests : IDisposable
{
    private static readonly StreamId Room = StreamId.Room("acme", "fanout");
    private readonly DeliveryMetrics _metrics = new();
    private readonly MeterListener _listener = new();
    private readonly List<long> _measurements = [];

    public FanoutMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter) && instrument.Name == "parley.deliveries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_measurements)
            {
                _measurements.Add(value);
            }
        });
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public void A_message_to_fifty_members_is_counted_as_fifty_deliveries_in_one_measurement()
    {
        var stream = new LocalStream(Room, new NoGaps(), _metrics, NullLogger.Instance);
        var members = Enumerable.Range(0, 50).Select(i => new CountingMember($"c{i}")).ToArray();
        foreach (var member in members)
        {
            stream.Add(new StreamSubscription(member, Room) { Buffer = null });
        }

        stream.Initialize(0);
        _measurements.Clear();

        stream.OnDurable(Envelope(1));
        stream.OnDurable(Envelope(2));
        stream.OnDurable(Envelope(1));

        Assert.All(members, m => Assert.Equal(2, m.Frames));
        Assert.Equal([50L, 50L], _measurements);
    }

    [Fact]
    public void A_member_still_replaying_is_counted_when_its_buffer_is_released_not_when_it_buffers()
    {
        var stream = new LocalStream(Room, new NoGaps(), _metrics, NullLogger.Instance);
        var live = new CountingMember("live");
        var replaying = new CountingMember("replaying");
        var buffered = new StreamSubscription(replaying, Room);
        stream.Add(new StreamSubscription(live, Room) { Buffer = null });
        stream.Add(buffered);
        stream.Initialize(0);
        _measurements.Clear();

        stream.OnDurable(Envelope(1));
        stream.OnDurable(Envelope(2));
        Assert.Equal([1L, 1L], _measurements);

        stream.FinishReplay(buffered);

        Assert.Equal([1L, 1L, 2L], _measurements);
        Assert.Equal(2, replaying.Frames);
    }

    private static Envelope Envelope(long seq)
        => new("n-other", EnvelopeKind.Durable, seq, ServerFrames.Message(Room, null, seq, $"m{seq}", "bob", DateTimeOffset.UtcNow, "1"u8));

    /// <summary>A member that counts what it is sent.</summary>
    private sealed class CountingMember(string id) : IStreamMember
    {
        private int _frames;

        public string Id { get; } = id;

        public int Frames => Volatile.Read(ref _frames);

        public void Send(ReadOnlyMemory<byte> data, FrameClass frameClass) => Interlocked.Increment(ref _frames);

        public Task WaitForQueueRoomAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Touch()
        {
        }

        public void Close(CloseReason reason, bool flush)
        {
        }
    }

    private sealed class NoGaps : IGapFiller
    {
        public Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken)
            => throw new InvalidOperationException("Envelopes arrive in order here; a gap means the test is wrong.");
    }
}
