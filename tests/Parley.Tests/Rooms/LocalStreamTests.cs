using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Connections;
using Parley.Node.Limits;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Rooms;

/// <summary>The per-node sequencer: order, duplicates, gaps filled from the store, catch-up, trimmed gaps.</summary>
public sealed class LocalStreamTests : IAsyncLifetime
{
    private static readonly StreamId Room = StreamId.Room("acme", "seq");
    private readonly FakeGapFiller _store = new();
    private readonly DeliveryMetrics _metrics = new();
    private readonly ConnectionMetrics _connectionMetrics = new();
    private SocketPair _pair = null!;
    private LocalStream _stream = null!;

    public async Task InitializeAsync()
    {
        _pair = await SocketPair.CreateAsync();
        var principal = new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1));
        var connection = new ClientConnection("c-1", _pair.Server, principal, 1024, new TokenBucket(100, 100), _connectionMetrics);
        var member = new StreamSubscription(connection, Room) { Buffer = null };
        _stream = new LocalStream(Room, _store, _metrics, NullLogger.Instance);
        _stream.Add(member);
    }

    public async Task DisposeAsync()
    {
        await _pair.DisposeAsync();
        _metrics.Dispose();
        _connectionMetrics.Dispose();
    }

    [Fact]
    public async Task Envelopes_in_order_are_delivered_at_once_and_duplicates_are_dropped()
    {
        _stream.Initialize(0);
        _stream.OnDurable(Envelope(1));
        _stream.OnDurable(Envelope(2));
        _stream.OnDurable(Envelope(1));
        _stream.OnDurable(Envelope(3));
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 3, "three messages arrive");
        Assert.Equal([1L, 2, 3], _pair.Seqs);
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task An_envelope_that_skips_ahead_waits_for_the_missing_one_arriving_live()
    {
        _stream.Initialize(0);
        _stream.OnDurable(Envelope(2));
        _stream.OnDurable(Envelope(1));
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 2, "both messages arrive");
        Assert.Equal([1L, 2], _pair.Seqs);
    }

    [Fact]
    public async Task A_gap_that_does_not_fill_live_is_read_from_the_store_in_order()
    {
        _stream.Initialize(0);
        _store.Add(1, 2, 3);
        _stream.OnDurable(Envelope(4));
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 4, "the gap is filled from the store");
        Assert.Equal([1L, 2, 3, 4], _pair.Seqs);
        Assert.True(_store.Reads >= 1);
    }

    [Fact]
    public async Task A_gap_is_read_from_the_store_only_once_the_node_clock_passes_the_gap_wait()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var pair = await SocketPair.CreateAsync();
        var principal = new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1));
        var connection = new ClientConnection("c-2", pair.Server, principal, 1024, new TokenBucket(100, 100), _connectionMetrics, clock: clock);
        var stream = new LocalStream(Room, _store, _metrics, NullLogger.Instance, clock, gapWait: TimeSpan.FromMinutes(1));
        stream.Add(new StreamSubscription(connection, Room) { Buffer = null });
        stream.Initialize(0);
        _store.Add(1, 2, 3);

        stream.OnDurable(Envelope(4));
        clock.Advance(TimeSpan.FromSeconds(59));
        // Arriving live within the wait, 1 is delivered at once; 2 and 3 are still awaited from the broker.
        stream.OnDurable(Envelope(1));
        await Eventually.TrueAsync(() => pair.Seqs.Count == 1, "the message arriving live is delivered");
        Assert.Equal(0, _store.Reads);

        clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => pair.Seqs.Count == 4, "the rest of the gap is read from the store");
        Assert.Equal([1L, 2, 3, 4], pair.Seqs);
    }

    [Fact]
    public async Task Envelopes_before_initialization_are_held_and_those_after_the_head_released()
    {
        _stream.OnDurable(Envelope(5));
        _stream.OnDurable(Envelope(6));
        _stream.Initialize(5);
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 1, "the message after the head arrives");
        Assert.Equal([6L], _pair.Seqs);
    }

    [Fact]
    public async Task Envelopes_held_beyond_the_head_at_initialization_start_a_gap_fill_without_waiting_for_another_message()
    {
        _store.Add(6, 7);
        _stream.OnDurable(Envelope(8));
        _stream.OnDurable(Envelope(9));
        _stream.Initialize(5);
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 4, "the gap between the head and the held envelopes is filled");
        Assert.Equal([6L, 7, 8, 9], _pair.Seqs);
    }

    [Fact]
    public async Task Catching_up_reads_a_lost_tail_that_no_later_message_revealed()
    {
        _stream.Initialize(0);
        _stream.OnDurable(Envelope(1));
        _store.Add(2, 3);
        _stream.CatchUpTo(3);
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 3, "the lost tail arrives");
        Assert.Equal([1L, 2, 3], _pair.Seqs);
    }

    [Fact]
    public async Task A_gap_the_store_no_longer_retains_is_skipped_rather_than_waited_on_forever()
    {
        _stream.Initialize(0);
        _store.FirstRetained = 8;
        _store.Add(8, 9);
        _stream.OnDurable(Envelope(10));
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 3, "delivery resumes from the first retained message");
        Assert.Equal([8L, 9, 10], _pair.Seqs);
    }

    [Fact]
    public async Task A_store_failure_during_a_gap_fill_is_retried_and_never_skips_the_gap()
    {
        _stream.Initialize(0);
        _store.Add(1);
        _store.FailNext = 2;
        _stream.OnDurable(Envelope(2));
        await Eventually.TrueAsync(() => _pair.Seqs.Count == 2, "the gap is filled once the store answers");
        Assert.Equal([1L, 2], _pair.Seqs);
    }

    private static Envelope Envelope(long seq)
        => new("n-other", EnvelopeKind.Durable, seq, ServerFrames.Message(Room, null, seq, $"m{seq}", "bob", DateTimeOffset.UtcNow, "1"u8));

    /// <summary>Stored messages by sequence, with a first retained sequence and scripted failures.</summary>
    private sealed class FakeGapFiller : IGapFiller
    {
        private readonly SortedDictionary<long, Envelope> _messages = [];

        public int Reads { get; private set; }

        public long FirstRetained { get; set; } = 1;

        public int FailNext { get; set; }

        public void Add(params long[] seqs)
        {
            lock (_messages)
            {
                foreach (var seq in seqs)
                {
                    _messages[seq] = LocalStreamTests.Envelope(seq);
                }
            }
        }

        public Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken)
        {
            Reads++;
            if (FailNext > 0)
            {
                FailNext--;
                throw new Parley.Node.Store.StoreUnavailableException("scripted failure");
            }

            lock (_messages)
            {
                IReadOnlyList<Envelope> found = [.. _messages.Where(m => m.Key > afterSeq && m.Key < beforeSeq).Select(m => m.Value)];
                return Task.FromResult((found, FirstRetained));
            }
        }
    }
}
